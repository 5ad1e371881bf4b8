using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;

namespace ViGoR.Cli.Commands;

internal sealed class EvalRankCommand : AsyncCommand<EvalRankCommand.Settings>
{
    public sealed class Settings : JudgeSettings
    {
        [CommandOption("--descriptions <MODEL=FILE>")]
        [Description("One model's descriptions, as NAME=FILE (JSON Lines with image_id or image, and text); repeat for each model.")]
        public string[] Descriptions { get; init; } = [];

        [CommandOption("--images <DIR>")]
        [Description("Image folder: send each image to the judge (COCO file names are found from numeric ids).")]
        public string? Images { get; init; }

        [CommandOption("--references <FILE>")]
        [Description("LLaVA caps_boxes JSON Lines: show the judge each image's human captions and object list.")]
        public string? References { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed of the per-image shuffle. Default 0.")]
        [DefaultValue(0)]
        public int Seed { get; init; }

        public override ValidationResult Validate()
        {
            if (Descriptions.Length < 2)
            {
                return ValidationResult.Error("Give at least two --descriptions NAME=FILE.");
            }

            if (Descriptions.Any(d => d.IndexOf('=', StringComparison.Ordinal) <= 0))
            {
                return ValidationResult.Error("--descriptions must be NAME=FILE.");
            }

            return base.Validate();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = EvalBranch.Link(cancellationToken);
        return await settings.RunJudgedAsync(async () =>
        {
            var byModel = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var spec in settings.Descriptions)
            {
                var name = spec[..spec.IndexOf('=', StringComparison.Ordinal)];
                var file = spec[(name.Length + 1)..];
                var texts = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var caption in await ChairEvaluator.LoadCaptionsAsync(file, token))
                {
                    // The first description of an image counts; files with several prompts per image should be split first.
                    texts.TryAdd(CocoImageIds.Normalize(caption.ImageId), caption.Text);
                }

                if (!byModel.TryAdd(name, texts))
                {
                    throw new ArgumentException($"Model name '{name}' is given twice in --descriptions.");
                }
            }

            var references = settings.References is null ? null : await LoadReferencesAsync(settings.References, token);
            var common = byModel.Values.Select(v => (IEnumerable<string>)v.Keys).Aggregate((a, b) => a.Intersect(b, StringComparer.Ordinal)).ToList();
            var skipped = byModel.Values.SelectMany(v => v.Keys).Distinct(StringComparer.Ordinal).Count() - common.Count;
            if (common.Count == 0)
            {
                throw new InvalidDataException("No image is described by every model; nothing to rank.");
            }

            var items = common.Select(id => new RankingItem(
                id,
                byModel.Select(m => new RankingCandidate(m.Key, m.Value[id])).ToList(),
                settings.Images is null ? null : FindImage(settings.Images, id),
                references?.GetValueOrDefault(id))).ToList();

            using var judge = settings.CreateJudge();
            var ranker = new JudgedRanker(judge, new JudgedRankingOptions { Seed = settings.Seed, MaxAttempts = settings.MaxAttempts, JournalPath = settings.Journal });
            var report = await EvalBranch.WithProgressAsync("Judging", tick =>
                ranker.RankAsync(items, new Progress<JudgeProgress>(p => tick(p.Done, p.Total)), token));

            var table = new Table().Title("Average rank (1 = best)").AddColumn("model");
            foreach (var criterion in report.Criteria)
            {
                table.AddColumn(criterion);
            }

            foreach (var (model, ranks) in report.AverageRanks)
            {
                table.AddRow([model, .. report.Criteria.Select(c => ranks.TryGetValue(c, out var r) ? EvalBranch.Number(r) : "-")]);
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{report.Judged} images judged, {report.Failures} failed (malformed replies), {skipped} images skipped (not described by every model).");
            await EvalBranch.WriteJsonAsync(settings.Json, report.ToJson(), token);
            return report.Judged > 0 ? 0 : 1;
        });
    }

    private static ImageInput? FindImage(string folder, string id)
    {
        var candidates = long.TryParse(id, out var n)
            ? new[] { $"COCO_val2014_{n:D12}.jpg", $"{n:D12}.jpg", $"COCO_train2014_{n:D12}.jpg", id }
            : [id];
        var path = candidates.Select(c => Path.Combine(folder, c)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] no image file for '{id}' in {folder}; the judge sees text only for it.");
            return null;
        }

        return ImageInput.FromFile(path, id);
    }

    private static async Task<Dictionary<string, string>> LoadReferencesAsync(string path, CancellationToken token)
    {
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var line in JsonLines.ReadAsync(path, cancellationToken: token))
        {
            var id = line.TryGetId("id") ?? line.TryGetString("image") ?? throw new InvalidDataException($"{line.Where}: needs 'id' or 'image'.");
            var captions = line.Value.TryGetProperty("captions", out var c) ? c.EnumerateArray().Select(e => e.GetString()).OfType<string>().ToList() : [];
            var objects = line.Value.TryGetProperty("instances", out var i) ? i.EnumerateArray().Select(e => e.GetProperty("category").GetString()).OfType<string>().Distinct().ToList() : [];
            references[CocoImageIds.Normalize(id)] = $"Human captions: {string.Join(" | ", captions)}\nObjects annotated: {string.Join(", ", objects)}";
        }

        return references;
    }
}
