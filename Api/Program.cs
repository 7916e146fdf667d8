using Jetstream.Api;
using Jetstream.Api.Dashboard;
using Jetstream.Api.DeadLetters;
using Jetstream.Api.Health;
using Jetstream.Api.Orleans;
using Jetstream.Api.Stats;

var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansClusterClient();
builder.AddJetstreamApi();

var app = builder.Build();
app.UseApiErrors();
app.MapIndex();
app.MapStatsEndpoints();
app.MapAdminEndpoints();
app.MapDeadLetterEndpoints();
app.MapHealthEndpoints();
app.MapOrleansDashboardEndpoints();
app.Run();
