using System.Text.Json;

namespace ViGoR.Nlp.Tests;

/// <summary>One hand-annotated real caption (see Fixtures/README.md).</summary>
internal sealed record GoldCaption(string Id, string Source, string Text, IReadOnlyList<string> Things);

internal static class Fixture
{
    /// <summary>Shared: the extractor is thread-safe and its lexicon loads once.</summary>
    public static readonly WordNetNounExtractor Extractor = new();

    public static string Path(params string[] parts) => System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static IReadOnlyList<GoldCaption> Gold { get; } = File.ReadLines(Path("gold-captions.jsonl"))
        .Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            return new GoldCaption(
                root.GetProperty("id").GetString()!,
                root.GetProperty("source").GetString()!,
                root.GetProperty("text").GetString()!,
                root.GetProperty("things").EnumerateArray().Select(t => t.GetString()!).ToList());
        })
        .ToList();

    /// <summary>The single sentence of <paramref name="text"/>, checked to be one.</summary>
    public static ParsedSentence OneSentence(string text)
    {
        var parsed = Extractor.Extract(text);
        Assert.Single(parsed.Sentences);
        return parsed.Sentences[0];
    }

    public static NounMention Mention(string text, string lemma) =>
        Assert.Single(Extractor.Extract(text).Nouns, m => m.Lemma == lemma);
}
