using Jetstream.Api;
using Jetstream.Api.Backfill;
using Jetstream.Api.Dashboard;
using Jetstream.Api.DeadLetters;
using Jetstream.Api.Health;
using Jetstream.Api.Orleans;
using Jetstream.Api.Stats;
using Jetstream.Api.Subscriptions;
using Jetstream.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOrleansClusterClient();
builder.AddJetstreamApi();

var app = builder.Build();
app.UseApiErrors();
app.MapDefaultEndpoints();
app.MapIndex();
app.MapStatsEndpoints();
app.MapAdminEndpoints();
app.MapDeadLetterEndpoints();
app.MapSubscriptionEndpoints();
app.MapBackfillEndpoints();
app.MapApiDocument();
app.MapHealthEndpoints();
app.MapOrleansDashboardEndpoints();
app.Run();
