using Jetstream.WebhookConsumer;

var builder = WebApplication.CreateBuilder(args);
builder.AddWebhookConsumer();

var app = builder.Build();
app.MapWebhookConsumerHealth();
app.Run();
