namespace Jetstream.Grains.Connection;

public enum FrameProgress
{
    /// <summary>More fragments follow.</summary>
    Partial,

    /// <summary>A whole message is in <see cref="FrameAssembler.Frame"/>.</summary>
    Whole,

    /// <summary>A message over the limit ended; nothing of it was kept.</summary>
    Oversize,
}
