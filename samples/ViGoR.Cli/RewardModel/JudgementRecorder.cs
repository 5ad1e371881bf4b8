using System.Text;
using System.Text.Json;
using ViGoR.Cli.Commands;
using ViGoR.Evaluation;
using ViGoR.Nlp;
using ViGoR.Torch.Rewards;

namespace ViGoR.Cli.RewardModel;

/// <summary>
/// Judges every sentence of recorded samples with a fine-grained reward model and appends the judgements
/// in the format <see cref="RecordedSentenceRewardModel"/> replays (<c>{"image", "sentence", "score", "error", "label_score"}</c>),
/// so a reward model's pass over a sample set is paid once however many runs use it. Sentences are cut by
/// the WordNet extractor, as the pipeline cuts them. Resumable: each image is written as one flushed block;
/// a torn last block is removed and judged again.
/// </summary>
internal static class JudgementRecorder
{
    /// <summary>Judges the images of <paramref name="items"/> not yet in <paramref name="path"/>; reports (done, total) images.</summary>
    /// <returns>How many images were judged now (the others were already in the file).</returns>
    /// <exception cref="JournalSettingsException">The file was written by another reward model or from other samples.</exception>
    public static async Task<int> RecordAsync(LlavaSentenceRewardModel judge, IReadOnlyList<TrainingItem> items, RecordedVisionLanguageModel recorded, string samplesPath, string path, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        RequireFineGrained(judge);
        var header = Header(judge, samplesPath);
        var done = Resume(path, header);
        var extractor = new WordNetNounExtractor();
        await using var output = new FileStream(path, FileMode.Append, FileAccess.Write);
        int written = 0, seenImages = 0;
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Invoke(seenImages++, items.Count);
            if (done.Contains(item.Id))
            {
                continue;
            }

            var block = new StringBuilder();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var descriptions = recorded.Recorded(item.Image).Select(extractor.Extract).Where(p => p.Sentences.Count > 0).ToList();
            var all = await judge.JudgeBatchAsync([.. descriptions.Select(d => new SentenceRewardRequest(item.Image, item.Prompt, d))], cancellationToken);
            for (int d = 0; d < descriptions.Count; d++)
            {
                var (parsed, judgements) = (descriptions[d], all[d]);
                for (int i = 0; i < judgements.Count; i++)
                {
                    // One judgement per (image, sentence): the replay file's key.
                    if (seen.Add(parsed.Sentences[i].Text))
                    {
                        block.Append(JsonSerializer.Serialize(new Dictionary<string, object?>
                        {
                            ["image"] = item.Id,
                            ["sentence"] = parsed.Sentences[i].Text,
                            ["score"] = judgements[i].Score,
                            ["error"] = SentenceErrorKindNames.ToName(judgements[i].Error),
                            ["label_score"] = judgements[i].LabelScore,
                        }, ExportBranch.Json)).Append('\n');
                    }
                }
            }

            item.Image.ReleasePixels();
            await output.WriteAsync(Encoding.UTF8.GetBytes(block.ToString()), CancellationToken.None);
            await output.FlushAsync(CancellationToken.None);
            written++;
        }

        progress?.Invoke(items.Count, items.Count);
        return written;
    }

    /// <summary>Refuses a holistic model: its judgements are per description, and the replay format is per sentence.</summary>
    /// <exception cref="InvalidOperationException">The model is holistic.</exception>
    public static void RequireFineGrained(LlavaSentenceRewardModel judge)
    {
        if (judge.IsHolistic)
        {
            throw new InvalidOperationException($"{judge.Model.Directory} is a holistic reward model: it judges whole descriptions, not sentences. Use it with vigor run --reward-model {judge.Model.Directory} --granularity holistic.");
        }
    }

    /// <summary>
    /// The first line of a judgements file: which reward model judged which samples (their content),
    /// so that a rerun does not append another model's judgements, or judgements of other samples, to
    /// it. <see cref="RecordedSentenceRewardModel"/> skips it when replaying.
    /// </summary>
    public static JournalHeader Header(LlavaSentenceRewardModel judge, string samplesPath) => new()
    {
        VigorJournal = "judgements",
        Settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["reward_model"] = judge.Identity,
            ["samples"] = ComponentIdentity.ForPath("recorded-samples", samplesPath),
        },
    };

    /// <summary>
    /// The images already judged in <paramref name="path"/>, after checking its header against
    /// <paramref name="header"/> (a new or empty file gets the header). The last image may be partial
    /// after a crash: its lines are removed and it is judged again.
    /// </summary>
    private static HashSet<string> Resume(string path, JournalHeader header)
    {
        var headerLine = JsonSerializer.Serialize(header, JournalJson.Options);
        var text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var lines = text.Split('\n').ToList();
        lines.RemoveAt(lines.Count - 1); // after the last newline: empty, or a torn line
        if (lines.Count == 0)
        {
            File.WriteAllText(path, headerLine + "\n");
            return [];
        }

        var found = lines[0].Contains("\"vigor_journal\"", StringComparison.Ordinal) ? JsonSerializer.Deserialize<JournalHeader>(lines[0], JournalJson.Options) : null;
        if (found is null)
        {
            throw new InvalidDataException($"{path} has judgements but no header saying which reward model and samples they come from (written elsewhere or by an earlier version): vigor score does not add to it. Use another --out.");
        }

        if (found.Differences(header) is { Count: > 0 } differences)
        {
            throw new JournalSettingsException(path, differences);
        }

        lines.RemoveAt(0);
        var images = JsonLines.Parse(string.Join('\n', lines), path).Select(l => l.GetString("image")).ToList();
        if (images.Count > 0)
        {
            var last = images[^1];
            var keep = images.Count(i => i != last);
            lines = lines.Take(keep).ToList();
            images = images.Take(keep).ToList();
        }

        File.WriteAllText(path, string.Join('\n', lines.Prepend(headerLine)) + "\n");
        return images.ToHashSet(StringComparer.Ordinal);
    }
}
