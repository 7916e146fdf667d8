using Atproto.Emulator;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddAtprotoEmulator();
try
{
    // Build is inside: the listeners are configured from the options, so a bad setting surfaces here already.
    var app = builder.Build();
    app.MapAtprotoEmulator();
    app.Run();
    return 0;
}
catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
{
    // Bad settings: end with the reason, which names the setting, as the last line.
    Console.Error.WriteLine($"The AT Protocol emulator did not start: {ex.Message}");
    return 2;
}
