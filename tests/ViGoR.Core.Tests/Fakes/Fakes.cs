using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace ViGoR.Core.Tests.Fakes;

/// <summary>Returns scripted samples per image id; counts calls; can fail or cancel on demand.</summary>
internal sealed class FakeVisionLanguageModel : IPreferenceTunableVisionLanguageModel
{
    private readonly Func<ImageInput, SamplingOptions, IReadOnlyList<string>> _sample;

    public FakeVisionLanguageModel(Func<ImageInput, SamplingOptions, IReadOnlyList<string>> sample) => _sample = sample;

    public FakeVisionLanguageModel(IReadOnlyDictionary<string, string[]> samples)
        : this((image, options) => samples[image.Id].Take(options.NumSamples).ToList())
    {
    }

    public int SampleCalls { get; private set; }

    public List<int?> Seeds { get; } = [];

    public List<(IReadOnlyList<FineTuningExample> Examples, FineTuningOptions Options)> FineTuneCalls { get; } = [];

    public List<string> Saved { get; } = [];

    public Task<IReadOnlyList<string>> SampleAsync(ImageInput image, string prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SampleCalls++;
        Seeds.Add(options?.Seed);
        return Task.FromResult(_sample(image, options ?? new SamplingOptions()));
    }

    public Task<FineTuningResult> FineTuneAsync(IReadOnlyList<FineTuningExample> examples, FineTuningOptions? options = null, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        FineTuneCalls.Add((examples, options!));
        return Task.FromResult(new FineTuningResult(1, 0.5, 0));
    }

    public Task SaveCheckpointAsync(string directory, CancellationToken cancellationToken = default)
    {
        Saved.Add(directory);
        return Task.CompletedTask;
    }

    public int ReferenceCalls { get; private set; }

    public List<(IReadOnlyList<PreferencePair> Pairs, DpoOptions Dpo, FineTuningOptions Options)> PreferenceCalls { get; } = [];

    /// <summary>A stand-in log-probability: minus the answer's length (longer answers are less likely), plus the rounds trained so far.</summary>
    public Task<IReadOnlyList<PreferencePair>> ComputeReferenceLogProbsAsync(IReadOnlyList<PreferencePair> pairs, int batchSize = 8, CancellationToken cancellationToken = default)
    {
        ReferenceCalls++;
        int trained = PreferenceCalls.Count;
        return Task.FromResult<IReadOnlyList<PreferencePair>>(pairs.Select(p => p with
        {
            ReferenceChosenLogProb = -p.Chosen.Length + trained,
            ReferenceRejectedLogProb = -p.Rejected.Length + trained,
            ChosenTokens = p.Chosen.Length,
            RejectedTokens = p.Rejected.Length,
        }).ToList());
    }

    public Task<FineTuningResult> PreferenceTuneAsync(IReadOnlyList<PreferencePair> pairs, DpoOptions dpo, FineTuningOptions? options = null, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        PreferenceCalls.Add((pairs, dpo, options!));
        return Task.FromResult(new FineTuningResult(1, 0.69, 0));
    }
}

/// <summary>Finds exactly the phrases in its per-image set; records every call.</summary>
internal sealed class FakeDetector(Func<string, IReadOnlySet<string>> present) : IGroundingDetector
{
    public List<(string ImageId, IReadOnlyList<string> Phrases)> Calls { get; } = [];

    public Func<string, string, int> CountOf { get; set; } = (_, _) => 1;

    public Task<IReadOnlyList<Detection>> DetectAsync(ImageInput image, IReadOnlyList<string> phrases, GroundingOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls.Add((image.Id, phrases.ToList()));
        var found = present(image.Id);
        var detections = phrases
            .Where(found.Contains)
            .SelectMany(p => Enumerable.Range(0, CountOf(image.Id, p)).Select(i => new Detection(p, p, 0.9f, new BoundingBox(i, i, i + 10, i + 10))))
            .ToList();
        return Task.FromResult<IReadOnlyList<Detection>>(detections);
    }
}

/// <summary>
/// Scores a sentence by a callback on its text; a negative score is an object hallucination unless
/// <c>error</c> says otherwise. <see cref="LabelScore"/> sets the judgement's most probable label's
/// score (default none), as a first-token reward model does; the error kind then follows its sign.
/// </summary>
internal sealed class FakeRewardModel(Func<string, double> score, Func<string, SentenceErrorKind>? error = null) : ISentenceRewardModel
{
    public int Calls { get; private set; }

    public Func<string, double?> LabelScore { get; init; } = _ => null;

    public Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default)
    {
        Calls++;
        return Task.FromResult<IReadOnlyList<SentenceJudgement>>(description.Sentences.Select(s => Judge(s.Text)).ToList());
    }

    private SentenceJudgement Judge(string text)
    {
        var label = LabelScore(text);
        var correct = (label ?? score(text)) >= 0;
        return new SentenceJudgement(score(text), correct ? SentenceErrorKind.None : error?.Invoke(text) ?? SentenceErrorKind.ObjectHallucination) { LabelScore = label };
    }
}

/// <summary>
/// A deliberately simple extractor for pipeline tests: sentences end at '.', '!' or '?'; a noun is
/// any word in <see cref="Lexicon"/>; "no X" negates, "possibly"/"might" hedges the sentence.
/// </summary>
internal sealed partial class FakeNounExtractor : INounExtractor
{
    public static readonly IReadOnlyDictionary<string, (string Lemma, NounKind Kind)> Lexicon = new Dictionary<string, (string, NounKind)>
    {
        ["car"] = ("car", NounKind.Thing), ["cars"] = ("car", NounKind.Thing),
        ["person"] = ("person", NounKind.Thing), ["people"] = ("person", NounKind.Thing),
        ["dog"] = ("dog", NounKind.Thing), ["dogs"] = ("dog", NounKind.Thing),
        ["cat"] = ("cat", NounKind.Thing), ["tree"] = ("tree", NounKind.Thing),
        ["bus"] = ("bus", NounKind.Thing), ["bench"] = ("bench", NounKind.Thing),
        ["frisbee"] = ("frisbee", NounKind.Thing), ["street"] = ("street", NounKind.Stuff),
        ["sky"] = ("sky", NounKind.Stuff), ["grass"] = ("grass", NounKind.Stuff),
    };

    private static readonly Dictionary<string, int> Numbers = new() { ["a"] = 1, ["an"] = 1, ["one"] = 1, ["two"] = 2, ["three"] = 3 };

    public ValueTask<ParsedText> ExtractAsync(string text, CancellationToken cancellationToken = default)
    {
        var sentences = new List<ParsedSentence>();
        foreach (Match m in SentencePattern().Matches(text))
        {
            var start = m.Index + (m.Value.Length - m.Value.TrimStart().Length);
            var end = m.Index + m.Value.TrimEnd().Length;
            if (end <= start)
            {
                continue;
            }

            var sentenceText = text[start..end];
            var hedged = sentenceText.Contains("possibly", StringComparison.OrdinalIgnoreCase) || sentenceText.Contains("might", StringComparison.OrdinalIgnoreCase);
            var nouns = new List<NounMention>();
            string? previous = null;
            foreach (Match w in WordPattern().Matches(sentenceText))
            {
                var word = w.Value.ToLowerInvariant();
                if (Lexicon.TryGetValue(word, out var entry))
                {
                    int? count = previous is not null && Numbers.TryGetValue(previous, out var n) ? n : null;
                    nouns.Add(new NounMention(w.Value, entry.Lemma, entry.Kind, count, previous == "no", hedged, start + w.Index, start + w.Index + w.Length));
                }

                previous = word;
            }

            sentences.Add(new ParsedSentence(sentences.Count, start, end, sentenceText, nouns));
        }

        return ValueTask.FromResult(new ParsedText(text, sentences));
    }

    [GeneratedRegex(@"[^.!?]+[.!?]*")]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"[A-Za-z]+")]
    private static partial Regex WordPattern();
}

/// <summary>Keeps every log entry, formatted, for assertions.</summary>
internal sealed class ListLogger<TCategory> : ILogger<TCategory>
{
    public List<(LogLevel Level, string Text)> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Add((logLevel, formatter(state, exception)));
}
