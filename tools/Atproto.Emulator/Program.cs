using Atproto.Emulator;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddAtprotoEmulator();
var app = builder.Build();
app.MapAtprotoEmulator();
try
{
    app.Run();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
{
    // Bad settings: end with the reason, which names the setting, as the last line.
    Console.Error.WriteLine($"The AT Protocol emulator did not start: {ex.Message}");
    return 2;
}
