using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Jetstream.Deploy.Tests.Files;

/// <summary>YAML read into plain maps, lists and strings (merge keys resolved), with small helpers to walk it.</summary>
public static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static Dictionary<object, object?> ParseMap(string text) =>
        Deserializer.Deserialize<Dictionary<object, object?>>(new MergingParser(new Parser(new StringReader(text))))
        ?? throw new InvalidDataException("The YAML document is empty.");

    /// <summary>Every document of a multi-document stream (the output of <c>kubectl kustomize</c>).</summary>
    public static IReadOnlyList<Dictionary<object, object?>> ParseDocuments(string text)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object?>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Deserializer.Deserialize<Dictionary<object, object?>>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    public static Dictionary<object, object?>? Map(this object? node, string key) =>
        node is Dictionary<object, object?> map && map.TryGetValue(key, out var value) ? value as Dictionary<object, object?> : null;

    public static IReadOnlyList<object?> List(this object? node, string key) =>
        node is Dictionary<object, object?> map && map.TryGetValue(key, out var value) && value is List<object?> list ? list : [];

    public static string? Str(this object? node, string key) =>
        node is Dictionary<object, object?> map && map.TryGetValue(key, out var value) ? value as string : null;

    public static int? Int(this object? node, string key) =>
        node.Str(key) is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The value at a '/'-separated path of map keys.</summary>
    public static object? At(this object? node, string path)
    {
        foreach (var key in path.Split('/'))
        {
            node = node is Dictionary<object, object?> map && map.TryGetValue(key, out var value) ? value : null;
        }

        return node;
    }

    /// <summary>A map's entries as strings (labels, selectors, environment maps).</summary>
    public static IReadOnlyDictionary<string, string> Strings(this object? node) =>
        node is Dictionary<object, object?> map
            ? map.ToDictionary(p => (string)p.Key, p => p.Value as string ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>();
}
