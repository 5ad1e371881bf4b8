using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR;

/// <summary>
/// The journal shape of a <see cref="SentenceSignal"/>: <c>penalty</c>, <c>bonus</c>, <c>drop</c>
/// (when set) and <c>evidence</c> (when set). Reading also takes the shape journals had before the
/// evidence moved under <c>evidence</c>: every other property of the signal (<c>found</c>,
/// <c>missing</c>, <c>score</c>, <c>error</c>...) is folded into <see cref="SentenceSignal.Evidence"/>,
/// after what <c>evidence</c> holds, so such a journal reads, resumes and selects as it did, and a
/// journal whose old lines are followed by new ones reads whole.
/// </summary>
public sealed class SentenceSignalJsonConverter : JsonConverter<SentenceSignal>
{
    private const string PenaltyName = "penalty";
    private const string BonusName = "bonus";
    private const string DropName = "drop";
    private const string EvidenceName = "evidence";

    /// <inheritdoc />
    /// <exception cref="JsonException">The value is not an object, or a property beside <c>evidence</c> repeats one of its names.</exception>
    public override SentenceSignal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"A sentence signal is a JSON object, not {root.ValueKind}.");
        }

        double penalty = 0, bonus = 0;
        IReadOnlyList<string>? drop = null;
        Dictionary<string, JsonElement>? evidence = null;
        List<JsonProperty>? beside = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case PenaltyName:
                    penalty = property.Value.Deserialize<double>(options);
                    break;
                case BonusName:
                    bonus = property.Value.Deserialize<double>(options);
                    break;
                case DropName:
                    drop = property.Value.Deserialize<List<string>>(options);
                    break;
                case EvidenceName:
                    evidence = property.Value.Deserialize<Dictionary<string, JsonElement>>(options);
                    break;
                default:
                    // An earlier journal's evidence, written beside the signal; null was never written there.
                    if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        (beside ??= []).Add(property);
                    }

                    break;
            }
        }

        if (beside is not null)
        {
            evidence = evidence is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : new Dictionary<string, JsonElement>(evidence, StringComparer.Ordinal);
            foreach (var property in beside)
            {
                if (!evidence.TryAdd(property.Name, property.Value.Clone()))
                {
                    throw new JsonException($"A sentence signal has '{property.Name}' both beside its evidence and in it.");
                }
            }
        }

        return new SentenceSignal { Penalty = penalty, Bonus = bonus, Drop = drop, Evidence = evidence };
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, SentenceSignal value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WritePropertyName(PenaltyName);
        JsonSerializer.Serialize(writer, value.Penalty, options);
        writer.WritePropertyName(BonusName);
        JsonSerializer.Serialize(writer, value.Bonus, options);
        if (value.Drop is not null)
        {
            writer.WritePropertyName(DropName);
            JsonSerializer.Serialize(writer, value.Drop, options);
        }

        if (value.Evidence is not null)
        {
            writer.WritePropertyName(EvidenceName);
            JsonSerializer.Serialize(writer, value.Evidence, options);
        }

        writer.WriteEndObject();
    }
}
