namespace Jetstream.AppHost;

/// <summary>Settings the AppHost cannot run with; the message names each one.</summary>
internal sealed class RunSettingsException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
