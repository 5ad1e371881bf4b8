using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;
using ViGoR.Torch;
using ViGoR.Torch.Rewards;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor score</c>: judges every sentence of recorded samples with a reward model and writes the
/// judgements in the format <c>vigor run --judgements</c> replays
/// (<c>{"image", "sentence", "score", "error"}</c>, one per line). Resumable: an image is written as one
/// block and flushed; a rerun keeps the finished images and scores the rest.
/// </summary>
internal sealed class ScoreCommand : AsyncCommand<ScoreCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--reward-model <DIR>")]
        [Description("A fine-grained reward model folder (vigor train-reward output).")]
        public string RewardModel { get; init; } = "";

        [CommandOption("--samples <FILE>")]
        [Description("Recorded samples (vigor generate output): {\"image\", \"prompt\", \"samples\": [...]} per line.")]
        public string Samples { get; init; } = "";

        [CommandOption("--images <DIR>")]
        [Description("The folder the samples' images are in.")]
        public string Images { get; init; } = "";

        [CommandOption("--out <FILE>")]
        [Description("The judgements file to write (resumed if it exists).")]
        public string Out { get; init; } = "judgements.jsonl";

        [CommandOption("--device <DEVICE>")]
        [Description(TorchFlags.DeviceDescription)]
        public string? Device { get; init; }

        [CommandOption("--dtype <DTYPE>")]
        [Description(TorchFlags.DTypeDescription)]
        public string DType { get; init; } = "float32";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(RewardModel) || string.IsNullOrWhiteSpace(Samples) || string.IsNullOrWhiteSpace(Images)
                ? ValidationResult.Error("--reward-model, --samples and --images are required.")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var ct = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        using var judge = LlavaSentenceRewardModel.Load(settings.RewardModel, TorchFlags.ModelOptions(settings.Device, settings.DType));
        if (judge.IsHolistic)
        {
            throw new InvalidOperationException($"{settings.RewardModel} is a holistic reward model: it judges whole descriptions, not sentences. Use it with vigor run --reward-model {settings.RewardModel} --granularity holistic.");
        }

        var items = TrainingDataset.ReadJsonLines(settings.Samples, settings.Images, "Describe this image in detail.");
        var recorded = RecordedVisionLanguageModel.Load(settings.Samples);

        var done = Resume(settings.Out);
        var extractor = new ViGoR.Nlp.WordNetNounExtractor();
        await using var output = new FileStream(settings.Out, FileMode.Append, FileAccess.Write);
        int written = 0;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Scoring", maxValue: items.Count);
            foreach (var item in items)
            {
                ct.ThrowIfCancellationRequested();
                task.Increment(1);
                if (done.Contains(item.Id))
                {
                    continue;
                }

                var block = new StringBuilder();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var text in recorded.Recorded(item.Image))
                {
                    var parsed = extractor.Extract(text);
                    if (parsed.Sentences.Count == 0)
                    {
                        continue;
                    }

                    var judgements = await judge.JudgeAsync(item.Image, item.Prompt, parsed, ct);
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
                            }, ExportBranch.Json)).Append('\n');
                        }
                    }
                }

                item.Image.ReleasePixels();
                await output.WriteAsync(Encoding.UTF8.GetBytes(block.ToString()), CancellationToken.None);
                await output.FlushAsync(CancellationToken.None);
                written++;
            }
        });

        AnsiConsole.MarkupLineInterpolated($"Judged {written} images ({done.Count} already in {settings.Out}). Replay them: vigor run --samples {settings.Samples} --judgements {settings.Out} ...");
        return 0;
    }

    /// <summary>The images already judged in <paramref name="path"/>. The last image may be partial after a crash: its lines are removed and it is judged again.</summary>
    private static HashSet<string> Resume(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var text = File.ReadAllText(path);
        var lines = text.Split('\n').ToList();
        lines.RemoveAt(lines.Count - 1); // after the last newline: empty, or a torn line
        var images = JsonLines.Parse(string.Join('\n', lines), path).Select(l => l.GetString("image")).ToList();
        if (images.Count > 0)
        {
            var last = images[^1];
            var keep = images.Count(i => i != last);
            lines = lines.Take(keep).ToList();
            images = images.Take(keep).ToList();
        }

        File.WriteAllText(path, lines.Count == 0 ? string.Empty : string.Join('\n', lines) + "\n");
        return images.ToHashSet(StringComparer.Ordinal);
    }
}
