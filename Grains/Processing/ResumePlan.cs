namespace Jetstream.Grains.Processing;

/// <summary>
/// Where the next connection starts, decided by <see cref="CursorPlanner"/> before the connection is opened:
/// the cursor to ask <see cref="Endpoint"/> for, the events of that replay already handled (<see cref="Floor"/>), and
/// the position the sink continues from (<see cref="Start"/>: a seq is dropped when the endpoint changes).
/// </summary>
public readonly record struct ResumePlan(string Endpoint, long? Cursor, ResumeFloor Floor, CursorPosition Start);
