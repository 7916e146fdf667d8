using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The keep-alive reminder that re-activates a processor on another silo when its silo dies. Failing to register it is
/// logged, not fatal: the processor still runs here, it just will not move by itself.
/// </summary>
public sealed class ProcessorReminder(Grain grain, TimeSpan period, ILogger logger, string key)
{
    private const string Name = "keep-alive";

    public async Task RegisterAsync()
    {
        try
        {
            await grain.RegisterOrUpdateReminder(Name, period, period);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReminderUnavailable(logger, ex, key);
        }
    }

    public async Task UnregisterAsync()
    {
        try
        {
            if (await grain.GetReminder(Name) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ReminderUnavailable(logger, ex, key);
        }
    }
}
