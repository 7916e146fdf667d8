namespace Jetstream.Grains;

/// <summary>How the processor names a failure in /status and its logs: the exception's type and the first line of its
/// message (Azure's messages go on for lines of request details that /status should not carry).</summary>
public static class ErrorText
{
    public static string Of(Exception ex)
    {
        var message = ex.Message;
        var newline = message.IndexOf('\n');
        return $"{ex.GetType().Name}: {(newline < 0 ? message : message[..newline].TrimEnd())}";
    }
}
