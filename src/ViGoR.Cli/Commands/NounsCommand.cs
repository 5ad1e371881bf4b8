using System.ComponentModel;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Nlp;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor nouns --input captions.jsonl [--output out.jsonl]</c>: splits each caption into
/// sentences and lists its visual nouns (lemma, thing/stuff, count, negated, hedged, offsets) as
/// JSON Lines, one output line per input line. Malformed lines are reported with their line number
/// and skipped.
/// </summary>
internal sealed class NounsCommand : Command<NounsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-i|--input <FILE>")]
        [Description("JSON Lines with \"id\" and \"text\" (other fields are ignored).")]
        public string Input { get; init; } = string.Empty;

        [CommandOption("-o|--output <FILE>")]
        [Description("Where to write the JSON Lines (default: standard output).")]
        public string? Output { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Input))
            {
                return ValidationResult.Error("--input is required: a JSON Lines file with \"id\" and \"text\".");
            }

            return File.Exists(Input) ? ValidationResult.Success() : ValidationResult.Error($"--input: '{Input}' does not exist.");
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken);
        using var input = new StreamReader(settings.Input);
        var toFile = settings.Output is not null;
        if (toFile && Path.GetDirectoryName(Path.GetFullPath(settings.Output!)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        using var output = toFile ? File.Create(settings.Output!) : Console.OpenStandardOutput();
        var stopwatch = Stopwatch.StartNew();
        // Progress (on standard error) only when the results go to a file, so that piped output stays clean.
        var progress = toFile ? new LineProgress() : null;
        var summary = Run(new WordNetNounExtractor(), input, settings.Input, output, Console.Error, linked.Token, progress);
        if (progress is not null)
        {
            Console.Error.Write('\r');
        }

        // The summary goes to standard error so that standard output stays pure JSON Lines.
        Console.Error.WriteLine($"{summary.Written} of {summary.Lines} lines written, {summary.Skipped} skipped, {summary.Words} words in {stopwatch.Elapsed.TotalSeconds:F2} s{(toFile ? $" -> {settings.Output}" : string.Empty)}");
        return 0;
    }

    /// <summary>Reports synchronously, so that the count never prints after the summary.</summary>
    private sealed class LineProgress : IProgress<int>
    {
        public void Report(int value) => Console.Error.Write($"\r{value} lines...");
    }

    /// <summary>What <see cref="Run"/> did.</summary>
    internal readonly record struct Summary(int Lines, int Written, int Skipped, long Words);

    /// <summary>
    /// Reads JSON Lines from <paramref name="input"/> and writes one result line per valid input line
    /// to <paramref name="output"/>; each malformed line is reported on <paramref name="errors"/> as
    /// "<paramref name="inputName"/>, line N: reason" and skipped. Blank lines are ignored.
    /// </summary>
    internal static Summary Run(WordNetNounExtractor extractor, TextReader input, string inputName, Stream output, TextWriter errors, CancellationToken cancellationToken, IProgress<int>? progress = null)
    {
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var writer = new Utf8JsonWriter(output, options);
        int lines = 0, written = 0, skipped = 0;
        long words = 0;
        while (input.ReadLine() is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lines++;
            if (lines % 10_000 == 0)
            {
                progress?.Report(lines);
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                errors.WriteLine($"{inputName}, line {lines}: not valid JSON ({e.Message}); skipped.");
                skipped++;
                continue;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                {
                    errors.WriteLine($"{inputName}, line {lines}: needs an \"id\" (string or number); skipped.");
                    skipped++;
                    continue;
                }

                if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind != JsonValueKind.String)
                {
                    errors.WriteLine($"{inputName}, line {lines}: needs a \"text\" string; skipped.");
                    skipped++;
                    continue;
                }

                var text = textElement.GetString()!;
                words += CountWords(text);
                Write(writer, id, extractor.Extract(text));
                writer.Flush();
                output.WriteByte((byte)'\n');
                written++;
            }
        }

        output.Flush();
        return new Summary(lines, written, skipped, words);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement id, ParsedText parsed)
    {
        writer.Reset();
        writer.WriteStartObject();
        writer.WritePropertyName("id");
        id.WriteTo(writer);
        writer.WriteStartArray("sentences");
        foreach (var sentence in parsed.Sentences)
        {
            writer.WriteStartObject();
            writer.WriteString("text", sentence.Text);
            writer.WriteNumber("start", sentence.Start);
            writer.WriteNumber("end", sentence.End);
            writer.WriteStartArray("nouns");
            foreach (var noun in sentence.Nouns)
            {
                writer.WriteStartObject();
                writer.WriteString("text", noun.Text);
                writer.WriteString("lemma", noun.Lemma);
                writer.WriteString("kind", noun.Kind == NounKind.Thing ? "thing" : "stuff");
                if (noun.Count is { } count)
                {
                    writer.WriteNumber("count", count);
                }
                else
                {
                    writer.WriteNull("count");
                }

                writer.WriteBoolean("negated", noun.Negated);
                writer.WriteBoolean("hedged", noun.Hedged);
                writer.WriteNumber("start", noun.Start);
                writer.WriteNumber("end", noun.End);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var letter = !char.IsWhiteSpace(c);
            count += letter && !inWord ? 1 : 0;
            inWord = letter;
        }

        return count;
    }
}
