using Jetstream.Emulator;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.AddJetstreamEmulator();
var app = builder.Build();
app.MapJetstreamEmulator();
try
{
    app.Run();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
{
    // Bad settings (out of range, or not convertible): end with the reason, which names the setting, as the last line.
    Console.Error.WriteLine($"The Jetstream emulator did not start: {ex.Message}");
    return 2;
}
