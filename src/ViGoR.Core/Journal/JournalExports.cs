using System.Text.Json;

namespace ViGoR;

/// <summary>One turn of a LLaVA conversation: <c>{"from": "human" | "gpt", "value": ...}</c>.</summary>
/// <param name="From"><c>human</c> (the prompt) or <c>gpt</c> (the answer trained on).</param>
/// <param name="Value">The turn's text; the human turn of an image conversation starts with <c>&lt;image&gt;\n</c>.</param>
public sealed record LlavaTurn(string From, string Value);

/// <summary>
/// One entry of LLaVA's training file (<c>train.json</c>, read by llava/train/train.py's
/// LazySupervisedDataset): <c>{"id", "image", "conversations"}</c>.
/// </summary>
/// <param name="Id">The image id.</param>
/// <param name="Image">The image path, relative to LLaVA's <c>--image_folder</c>.</param>
/// <param name="Conversations">The turns: the prompt, then the refined target.</param>
public sealed record LlavaConversation(string Id, string Image, IReadOnlyList<LlavaTurn> Conversations);

/// <summary>
/// Supervision journals in the formats of existing trainers, so that ViGoR's refined targets can be
/// fine-tuned on by LLaVA's own (DeepSpeed) trainer.
/// </summary>
public static class JournalExports
{
    /// <summary>LLaVA's image token, which starts the human turn of an image conversation.</summary>
    public const string LlavaImageToken = "<image>";

    /// <summary>
    /// Reads a supervision journal to export: selected records, not a scores journal (whose records have no
    /// target yet).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The journal is a scores journal, or a line is not a valid record.</exception>
    public static IReadOnlyList<SupervisionRecord> ReadSupervision(string journal)
    {
        var (header, records) = SupervisionJournal.ReadAll(journal);
        if (header?.VigorJournal == JournalHeader.ScoresKind || records.Any(r => r.Status == SupervisionStatus.Scored))
        {
            throw new InvalidDataException($"{journal} is a scores journal (not yet selected): export a supervision journal, the one RejectionSamplingTrainer.GenerateSupervisionAsync or JournalShards.Merge wrote.");
        }

        return records;
    }

    /// <summary>
    /// The image path as a trainer with an image folder expects it: relative to
    /// <paramref name="imageFolder"/> with forward slashes, or as journalled (the record's image, else its
    /// id) when <paramref name="imageFolder"/> is null.
    /// </summary>
    public static string ImagePath(SupervisionRecord record, string? imageFolder)
    {
        ArgumentNullException.ThrowIfNull(record);
        var image = record.Image ?? record.ImageId;
        return imageFolder is null ? image : Path.GetRelativePath(Path.GetFullPath(imageFolder), Path.GetFullPath(image)).Replace('\\', '/');
    }

    /// <summary>
    /// LLaVA conversations of the records with a refined target (<see cref="SupervisionStatus.Ok"/>), in
    /// journal order: the human turn is <c>&lt;image&gt;\n</c> + the prompt, the gpt turn the target. Records
    /// without a target (failed, or refinement dropped every sentence) are left out.
    /// </summary>
    /// <param name="records">A supervision journal's records (<see cref="ReadSupervision"/>).</param>
    /// <param name="imageFolder">LLaVA's <c>--image_folder</c>, which image paths are made relative to; null keeps them as journalled.</param>
    public static IReadOnlyList<LlavaConversation> ToLlavaConversations(IEnumerable<SupervisionRecord> records, string? imageFolder = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records
            .Where(r => r.Status == SupervisionStatus.Ok && r.Target is not null)
            .Select(r => new LlavaConversation(
                r.ImageId,
                ImagePath(r, imageFolder),
                [new LlavaTurn("human", LlavaImageToken + "\n" + r.Prompt), new LlavaTurn("gpt", r.Target!)]))
            .ToList();
    }

    /// <summary>
    /// Writes <paramref name="conversations"/> as LLaVA's <c>train.json</c> (one JSON array, UTF-8, non-ASCII
    /// text unescaped) to a temporary file and renames it into place, so readers see the old file or the new
    /// one, never a part.
    /// </summary>
    public static void WriteLlavaTrainJson(string path, IEnumerable<LlavaConversation> conversations)
    {
        ArgumentNullException.ThrowIfNull(conversations);
        AtomicFile.Write(path, output => JsonSerializer.Serialize(output, conversations.ToList(), JournalJson.Options));
    }
}
