using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Evaluation;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor shapesworld</c>: writes a ShapesWorld split (the miniature world of the coming demo):
/// PNG images, COCO instances, reference captions (recorded-samples format) and POPE label files,
/// so the method and the evaluators can be run on it with the ordinary verbs.
/// </summary>
internal sealed class ShapesWorldCommand : Command<ShapesWorldCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>")]
        [Description("Folder to write images/, instances.json, captions.jsonl and coco_pope_<split>.json into (default ./shapesworld).")]
        public string Out { get; init; } = "shapesworld";

        [CommandOption("--count <N>")]
        [Description("Scenes to generate (default 100).")]
        public int Count { get; init; } = 100;

        [CommandOption("--seed <S>")]
        [Description("The split's seed: the same seed gives the same scenes, byte for byte (default 1).")]
        public int Seed { get; init; } = 1;

        public override ValidationResult Validate() => Count < 1 ? ValidationResult.Error("--count must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var images = Directory.CreateDirectory(Path.Combine(settings.Out, "images")).FullName;
        var scenes = new List<Scene>(settings.Count);
        for (int i = 0; i < settings.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scene = ShapesWorldGenerator.Generate(settings.Seed, i);
            File.WriteAllBytes(Path.Combine(images, scene.FileName), scene.Image.EncodePng());
            scenes.Add(scene);
        }

        File.WriteAllText(Path.Combine(settings.Out, "instances.json"), ShapesWorldGenerator.CocoInstances(scenes));
        File.WriteAllLines(Path.Combine(settings.Out, "captions.jsonl"), scenes.Select(s => JsonSerializer.Serialize(new { image = s.FileName, prompt = "Describe this image in detail.", samples = new[] { s.Caption } })));
        foreach (var split in new[] { "random", "popular", "adversarial" })
        {
            File.WriteAllLines(
                Path.Combine(settings.Out, $"coco_pope_{split}.json"),
                PopeSampler.Sample(scenes.Select(s => new PopeImage(s.FileName, s.Categories)).ToList(), ShapesWorldKinds.All.Select(k => k.Category).ToList(), split, settings.Seed).Select(q => JsonSerializer.Serialize(new { question_id = q.QuestionId, image = q.Image, text = ShapesWorldCorpus.Question(q.Category), label = q.Present ? "yes" : "no" })));
        }

        AnsiConsole.MarkupLineInterpolated($"Wrote {scenes.Count} ShapesWorld scenes ({scenes.Sum(s => s.Objects.Count)} objects) to [blue]{settings.Out}[/]: images/, instances.json, captions.jsonl, coco_pope_random|popular|adversarial.json.");
        return 0;
    }
}
