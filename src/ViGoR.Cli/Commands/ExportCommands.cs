using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary><c>vigor export ...</c>: supervision journals in the formats of existing trainers.</summary>
internal static class ExportBranch
{
    public static void Configure(IConfigurator<CommandSettings> branch)
    {
        branch.SetDescription("Write a supervision journal in another trainer's format (LLaVA's train.json, TRL preference pairs).");
        branch.AddCommand<ExportLlavaCommand>("llava").WithDescription("LLaVA's conversation format (train.json) of the refined targets, for LLaVA's own (DeepSpeed) trainer.");
        branch.AddCommand<ExportPairsCommand>("pairs").WithDescription("Preference pairs (chosen = the refined target; rejected = the most penalised sample, or --pairs sentence-level) as JSON Lines for TRL's DPO trainer.");
    }

    /// <summary>The image path as LLaVA's --image_folder expects it: relative to <paramref name="imageFolder"/>, else the record's image or id.</summary>
    internal static string ImagePath(SupervisionRecord record, string? imageFolder) => JournalExports.ImagePath(record, imageFolder);

    internal static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

internal class ExportSettings : CommandSettings
{
    [CommandOption("--journal <FILE>")]
    [Description("A supervision journal (round-N/supervision.jsonl or vigor merge output).")]
    public string Journal { get; init; } = Path.Combine("vigor-run", "round-0", "supervision.jsonl");

    [CommandOption("--out <FILE>")]
    [Description("The file to write.")]
    public string? Out { get; init; }

    [CommandOption("--image-folder <DIR>")]
    [Description("Write image paths relative to this folder (LLaVA's --image_folder). Default: as journalled.")]
    public string? ImageFolder { get; init; }

    /// <summary>The journal's records; a scores journal (not yet selected) is refused.</summary>
    public IReadOnlyList<SupervisionRecord> Records() => JournalExports.ReadSupervision(Journal);
}

/// <summary>
/// <c>vigor export llava</c>: LLaVA's training format (<see cref="JournalExports.ToLlavaConversations"/>),
/// one entry per image with a refined target.
/// </summary>
internal sealed class ExportLlavaCommand : Command<ExportSettings>
{
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        var records = settings.Records();
        var conversations = JournalExports.ToLlavaConversations(records, settings.ImageFolder);
        var output = settings.Out ?? "train.json";
        JournalExports.WriteLlavaTrainJson(output, conversations);
        AnsiConsole.MarkupLineInterpolated($"Wrote {conversations.Count} conversations ({records.Count - conversations.Count} images without a target skipped) to [blue]{output}[/].");
        return conversations.Count > 0 ? 0 : 1;
    }
}

internal sealed class ExportPairsSettings : ExportSettings
{
    [CommandOption("--pairs <P>")]
    [Description("best-vs-worst (default: the refined target over the most penalised sample) | sentence-level (the refined target over the chosen sample with its dropped sentences kept, penalty-weighted): the pairs vigor run --objective dpo trains on.")]
    public string Pairs { get; init; } = "best-vs-worst";
}

/// <summary>
/// <c>vigor export pairs</c>: the preference pairs <c>vigor run --objective dpo</c> trains on
/// (<see cref="PreferencePairs.FromRecords"/>), as JSON Lines in the shape TRL's DPO trainer reads
/// (<c>prompt</c>, <c>chosen</c>, <c>rejected</c>, <c>images</c>), plus <c>id</c> and <c>weight</c>
/// (TRL ignores extra columns; a severity-weighted loss reads it).
/// </summary>
internal sealed class ExportPairsCommand : Command<ExportPairsSettings>
{
    public override int Execute(CommandContext context, ExportPairsSettings settings, CancellationToken cancellationToken)
    {
        var records = settings.Records();
        var byId = records.ToDictionary(r => r.ImageId, StringComparer.Ordinal);
        var pairs = PreferencePairs.FromRecords(records, ObjectiveFlags.Pairing(settings.Pairs), r => ImageInput.FromId(r.ImageId));
        var output = settings.Out ?? "pairs.jsonl";
        AtomicFile.Write(output, stream =>
        {
            foreach (var pair in pairs)
            {
                JsonSerializer.Serialize(stream, new Dictionary<string, object?>
                {
                    ["id"] = pair.Source,
                    ["images"] = new[] { ExportBranch.ImagePath(byId[pair.Source!], settings.ImageFolder) },
                    ["prompt"] = pair.Prompt,
                    ["chosen"] = pair.Chosen,
                    ["rejected"] = pair.Rejected,
                    ["weight"] = pair.Weight,
                }, ExportBranch.Json);
                stream.WriteByte((byte)'\n');
            }
        });
        AnsiConsole.MarkupLineInterpolated($"Wrote {pairs.Count} preference pairs to [blue]{output}[/].");
        return pairs.Count > 0 ? 0 : 1;
    }
}
