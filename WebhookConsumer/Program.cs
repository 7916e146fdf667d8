using Jetstream.ServiceDefaults;
using Jetstream.WebhookConsumer;
using Jetstream.WebhookConsumer.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.WithHttpClientSpansOnlyWhenExported();
builder.AddServiceDefaults();
builder.AddWebhookConsumer();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapWebhookConsumerHealth();
app.Run();
