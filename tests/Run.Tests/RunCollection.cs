namespace Jetstream.Run.Tests;

/// <summary>Whole-system runs take most of the machine's two cores: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class RunCollection
{
    public const string Name = "whole system";
}
