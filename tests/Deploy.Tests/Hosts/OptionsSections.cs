using System.Reflection;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>The configuration section of an options class: its <c>SectionName</c> constant, as every one in the project has.</summary>
public static class OptionsSections
{
    public static string SectionOf(Type optionsType) =>
        optionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
        ?? throw new InvalidOperationException($"{optionsType.FullName} has no public const SectionName: the deployment checks cannot tell which variables it reads.");
}
