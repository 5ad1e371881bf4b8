using ViGoR.Nlp;

namespace ViGoR.Cli.RewardModel;

/// <summary>
/// What <c>vigor score</c> and the demo's judging phase do: every sentence of every recorded sample
/// judged once, through a <see cref="RecordingSentenceRewardModel"/> that writes the judgements down
/// (and replays those a resumed run already has). Sentences are cut by the WordNet extractor, as the
/// pipeline cuts them.
/// </summary>
internal static class SampleJudging
{
    /// <summary>The header setting that ties a judgements file to the samples it judged (their content).</summary>
    public static Dictionary<string, string> Settings(string samplesPath) => new(StringComparer.Ordinal)
    {
        ["samples"] = ComponentIdentity.ForPath("recorded-samples", samplesPath),
    };

    /// <summary>Judges the samples of <paramref name="items"/> one image (one batch) at a time; reports (done, total) images.</summary>
    public static async Task JudgeAsync(RecordingSentenceRewardModel judge, IReadOnlyList<TrainingItem> items, RecordedVisionLanguageModel samples, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var extractor = new WordNetNounExtractor();
        for (int i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Invoke(i, items.Count);
            var item = items[i];
            var descriptions = samples.Recorded(item.Image).Select(extractor.Extract).Where(p => p.Sentences.Count > 0);
            await judge.JudgeBatchAsync([.. descriptions.Select(d => new SentenceRewardRequest(item.Image, item.Prompt, d))], cancellationToken);
            item.Image.ReleasePixels();
        }

        progress?.Invoke(items.Count, items.Count);
    }
}
