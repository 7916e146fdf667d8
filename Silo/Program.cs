using Jetstream.ServiceDefaults;
using Jetstream.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddJetstreamSilo();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapJetstreamSilo();
app.Run();
