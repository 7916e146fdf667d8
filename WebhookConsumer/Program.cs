using Jetstream.ServiceDefaults;
using Jetstream.WebhookConsumer;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddWebhookConsumer();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapWebhookConsumerHealth();
app.Run();
