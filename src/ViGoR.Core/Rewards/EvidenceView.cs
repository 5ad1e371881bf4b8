using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ViGoR;

/// <summary>
/// A typed view of part of a <see cref="SentenceSignal.Evidence"/>: a record whose non-null
/// properties are evidence entries under their journal names (<see cref="JournalJson.Options"/>:
/// snake_case, enums as snake_case strings), so a stream writes and a reader reads them as typed
/// values while the journal keeps them as plain JSON.
/// </summary>
internal static class EvidenceView<T>
    where T : class
{
    private static readonly JsonTypeInfo<T> TypeInfo = (JsonTypeInfo<T>)JournalJson.Options.GetTypeInfo(typeof(T));

    /// <summary>The view's entry names.</summary>
    public static IReadOnlyList<string> Names { get; } = TypeInfo.Properties.Select(p => p.Name).ToList();

    /// <summary>Writes the view's non-null properties into <paramref name="evidence"/>, in declaration order, replacing entries of the same name.</summary>
    public static void Write(T view, IDictionary<string, JsonElement> evidence)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(evidence);
        foreach (var property in JsonSerializer.SerializeToElement(view, TypeInfo).EnumerateObject())
        {
            evidence[property.Name] = property.Value;
        }
    }

    /// <summary>The view's non-null properties as a new evidence dictionary, in declaration order.</summary>
    public static Dictionary<string, JsonElement> ToEvidence(T view)
    {
        var evidence = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        Write(view, evidence);
        return evidence;
    }

    /// <summary>The view of <paramref name="signal"/>'s evidence; null when it holds none of the view's entries.</summary>
    /// <exception cref="JsonException">An entry of the view's name holds a value of another type.</exception>
    public static T? Read(SentenceSignal? signal)
    {
        if (signal?.Evidence is not { } evidence)
        {
            return null;
        }

        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            if (evidence.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                entries[name] = value;
            }
        }

        return entries.Count == 0 ? null : JsonSerializer.SerializeToElement(entries, JournalJson.Options).Deserialize(TypeInfo);
    }
}
