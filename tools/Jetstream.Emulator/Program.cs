using Jetstream.Emulator;

var builder = WebApplication.CreateBuilder(args);
builder.AddJetstreamEmulator();
var app = builder.Build();
app.MapJetstreamEmulator();
app.Run();
