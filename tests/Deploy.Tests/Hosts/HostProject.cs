using System.Xml.Linq;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>A runnable project of the repository, found by the assembly name a Dockerfile's ENTRYPOINT starts.</summary>
public sealed record HostProject(string AssemblyName, string ProjectPath)
{
    /// <summary>The project folder relative to the repository root, with '/' separators (Silo, tools/WebhookReceiver).</summary>
    public string Directory => Path.GetDirectoryName(ProjectPath)!.Replace('\\', '/');

    public string FullDirectory => Path.Combine(RepoPaths.Root, Directory);

    public static IReadOnlyList<HostProject> All { get; } = Discover();

    public static HostProject? ForAssembly(string assemblyName) =>
        All.FirstOrDefault(p => string.Equals(p.AssemblyName, assemblyName, StringComparison.Ordinal));

    /// <summary>This project and every project it references, directly or not, as repository-relative csproj paths.</summary>
    public IReadOnlyList<string> ProjectClosure()
    {
        var seen = new List<string>();
        Visit(ProjectPath);
        return seen;

        void Visit(string relative)
        {
            var normalized = relative.Replace('\\', '/');
            if (seen.Contains(normalized))
            {
                return;
            }

            seen.Add(normalized);
            var full = Path.Combine(RepoPaths.Root, normalized);
            foreach (var reference in XDocument.Load(full).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, include));
                Visit(Path.GetRelativePath(RepoPaths.Root, target));
            }
        }
    }

    private static List<HostProject> Discover()
    {
        var root = RepoPaths.Root;
        return System.IO.Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("tests/", StringComparison.Ordinal) && !path.Contains("/bin/", StringComparison.Ordinal)
                && !path.Contains("/obj/", StringComparison.Ordinal) && !$"/{path}".Contains("/node_modules/", StringComparison.Ordinal))
            .Select(path =>
            {
                var declared = XDocument.Load(Path.Combine(root, path)).Descendants("AssemblyName").FirstOrDefault()?.Value;
                return new HostProject(declared ?? Path.GetFileNameWithoutExtension(path), path);
            })
            .ToList();
    }
}
