using System.Text;

namespace Jetstream.Deploy.Tests.Files;

/// <summary>Rendered Kubernetes objects, with look-ups and the environment a container would get.</summary>
public sealed class KubernetesObjects(IReadOnlyList<Dictionary<object, object?>> objects)
{
    /// <summary>Stand-ins for downward-API fields: only their presence matters to the checks.</summary>
    private static readonly Dictionary<string, string> FieldSamples = new(StringComparer.Ordinal)
    {
        ["metadata.name"] = "pod-0",
        ["status.podIP"] = "10.244.0.10",
        ["status.hostIP"] = "10.224.0.4",
        ["spec.nodeName"] = "node-0",
    };

    public IReadOnlyList<Dictionary<object, object?>> All => objects;

    public static KubernetesObjects Parse(string yaml) => new(Yaml.ParseDocuments(yaml));

    public IEnumerable<Dictionary<object, object?>> OfKind(string kind) => objects.Where(o => o.Str("kind") == kind);

    public Dictionary<object, object?>? Find(string kind, string? name) =>
        OfKind(kind).FirstOrDefault(o => o.At("metadata/name") as string == name);

    public static string Name(Dictionary<object, object?> item) => item.At("metadata/name") as string ?? "(unnamed)";

    /// <summary>A Secret's or ConfigMap's entries, decoded.</summary>
    public static IReadOnlyDictionary<string, string> Entries(Dictionary<object, object?> item)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var decode = item.Str("kind") == "Secret";
        foreach (var (key, value) in item.Map("data").Strings())
        {
            entries[key] = decode ? Encoding.UTF8.GetString(Convert.FromBase64String(value)) : value;
        }

        foreach (var (key, value) in item.Map("stringData").Strings())
        {
            entries[key] = value;
        }

        return entries;
    }

    /// <summary>
    /// The variables a container starts with, as the kubelet builds them: envFrom first, then env in order, with
    /// <c>$(VAR)</c> expanded from what is defined before. Missing references are reported, not guessed.
    /// </summary>
    public (Dictionary<string, string> Environment, List<string> Problems) Environment(object? container, string where, string namespaceName)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var source in container.List("envFrom"))
        {
            var (kind, reference) = source.Map("configMapRef") is { } cm ? ("ConfigMap", cm) : ("Secret", source.Map("secretRef"));
            if (Find(kind, reference.Str("name")) is { } found)
            {
                foreach (var (key, value) in Entries(found))
                {
                    environment[key] = value;
                }
            }
            else
            {
                problems.Add($"{where}: envFrom names {kind} '{reference.Str("name")}', which is not rendered.");
            }
        }

        foreach (var variable in container.List("env"))
        {
            var name = variable.Str("name")!;
            if (variable.Str("value") is { } value)
            {
                environment[name] = Expand(value, environment, name, where, problems);
            }
            else if (variable.At("valueFrom/fieldRef/fieldPath") is string field)
            {
                environment[name] = field == "metadata.namespace" ? namespaceName : FieldSamples.GetValueOrDefault(field, field);
            }
            else if ((variable.At("valueFrom/configMapKeyRef") ?? variable.At("valueFrom/secretKeyRef")) is Dictionary<object, object?> keyRef)
            {
                var kind = variable.At("valueFrom/configMapKeyRef") is null ? "Secret" : "ConfigMap";
                var found = Find(kind, keyRef.Str("name"));
                if (found is not null && Entries(found).TryGetValue(keyRef.Str("key")!, out var entry))
                {
                    environment[name] = entry;
                }
                else
                {
                    problems.Add($"{where}: {name} reads key '{keyRef.Str("key")}' of {kind} '{keyRef.Str("name")}', which is not rendered.");
                }
            }
            else
            {
                problems.Add($"{where}: {name} has neither a value nor a source the checks know.");
            }
        }

        return (environment, problems);
    }

    private static string Expand(string value, Dictionary<string, string> defined, string name, string where, List<string> problems)
    {
        var result = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '$')
            {
                result.Append('$');
                i++;
            }
            else if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '(' && value.IndexOf(')', i) is var end and > 0)
            {
                var reference = value[(i + 2)..end];
                if (defined.TryGetValue(reference, out var referenced))
                {
                    result.Append(referenced);
                }
                else
                {
                    problems.Add($"{where}: {name} refers to $({reference}), which is not defined before it (Kubernetes would pass it literally).");
                    result.Append(value, i, end - i + 1);
                }

                i = end;
            }
            else
            {
                result.Append(value[i]);
            }
        }

        return result.ToString();
    }
}
