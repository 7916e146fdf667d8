using Jetstream.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddJetstreamSilo();

var app = builder.Build();
app.MapJetstreamSilo();
app.Run();
