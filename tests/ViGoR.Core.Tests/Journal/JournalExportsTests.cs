namespace ViGoR.Core.Tests.Journal;

public sealed class JournalExportsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-exports-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SupervisionRecord Record(string id, SupervisionStatus status, string? target, string? image = null) =>
        new() { ImageId = id, Image = image, Prompt = "Décris l'image.", Status = status, Target = target };

    [Fact]
    public void Conversations_are_the_records_with_a_target_as_a_human_then_a_gpt_turn()
    {
        var records = new[]
        {
            Record("a", SupervisionStatus.Ok, "Un chat dort."),
            Record("b", SupervisionStatus.NoTarget, null),
            Record("c", SupervisionStatus.Failed, null),
            Record("d", SupervisionStatus.Ok, "A dog.", image: "d.png"),
        };

        var conversations = JournalExports.ToLlavaConversations(records);

        Assert.Equal(
            [
                new LlavaConversation("a", "a", [new LlavaTurn("human", "<image>\nDécris l'image."), new LlavaTurn("gpt", "Un chat dort.")]),
                new LlavaConversation("d", "d.png", [new LlavaTurn("human", "<image>\nDécris l'image."), new LlavaTurn("gpt", "A dog.")]),
            ],
            conversations,
            (x, y) => x.Id == y.Id && x.Image == y.Image && x.Conversations.SequenceEqual(y.Conversations));
    }

    [Fact]
    public void Image_paths_are_made_relative_to_the_image_folder_with_forward_slashes()
    {
        var image = Path.Combine(_folder, "coco", "train2017", "1.jpg");

        var conversation = Assert.Single(JournalExports.ToLlavaConversations([Record("1", SupervisionStatus.Ok, "A cat.", image)], Path.Combine(_folder, "coco")));

        Assert.Equal("train2017/1.jpg", conversation.Image);
        Assert.Equal(image, JournalExports.ImagePath(Record("1", SupervisionStatus.Ok, "A cat.", image), null));
    }

    [Fact]
    public void Train_json_has_llavas_keys_in_llavas_order_and_keeps_text_readable()
    {
        var path = Path.Combine(_folder, "out", "train.json");

        JournalExports.WriteLlavaTrainJson(path, JournalExports.ToLlavaConversations([Record("a", SupervisionStatus.Ok, "Un café & <b>.")]));

        Assert.Equal(
            """[{"id":"a","image":"a","conversations":[{"from":"human","value":"<image>\nDécris l'image."},{"from":"gpt","value":"Un café & <b>."}]}]""",
            File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void A_scores_journal_is_refused_for_export()
    {
        var scores = Path.Combine(_folder, "scores.jsonl");
        SupervisionJournal.WriteAll(scores, new JournalHeader { VigorJournal = JournalHeader.ScoresKind }, [Record("a", SupervisionStatus.Scored, null)]);
        var supervision = Path.Combine(_folder, "supervision.jsonl");
        SupervisionJournal.WriteAll(supervision, new JournalHeader { VigorJournal = JournalHeader.SupervisionKind }, [Record("a", SupervisionStatus.Ok, "A cat.")]);

        Assert.Contains("scores journal", Assert.Throws<InvalidDataException>(() => JournalExports.ReadSupervision(scores)).Message, StringComparison.Ordinal);
        Assert.Equal("A cat.", Assert.Single(JournalExports.ReadSupervision(supervision)).Target);
    }
}
