using System.Text.Json;

namespace ViGoR.Annotation.Web.Tests;

public sealed class WorkItemTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-items-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static IReadOnlyList<AnnotationWorkItem> Many(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new AnnotationWorkItem($"img{i}-0", $"img{i}.jpg", "p", "A dog."))];

    [Fact]
    public void Assign_shares_the_overlap_and_splits_the_rest_disjointly()
    {
        var items = Many(100);

        var shares = Enumerable.Range(1, 3).Select(i => AnnotationWorkItems.Assign(items, i, 3, 0.1).Select(x => x.Id).ToHashSet()).ToList();

        var everyone = shares.Skip(1).Aggregate(new HashSet<string>(shares[0]), (set, s) => { set.IntersectWith(s); return set; });
        Assert.Equal(10, everyone.Count);
        Assert.Equal(100, shares.SelectMany(s => s).Distinct().Count());
        Assert.Equal(100 + (2 * 10), shares.Sum(s => s.Count)); // each non-shared item exactly once
        Assert.InRange(shares.Min(s => s.Count), 39, 41);
        Assert.Equal(shares[1], AnnotationWorkItems.Assign(items, 2, 3, 0.1).Select(x => x.Id).ToHashSet()); // the same split on every machine
        var second = AnnotationWorkItems.Assign(items, 2, 3, 0.1);
        Assert.Equal(second.OrderBy(x => int.Parse(x.Id[3..^2], System.Globalization.CultureInfo.InvariantCulture)), second); // items keep their order
    }

    [Theory]
    [InlineData("2/3", 2, 3)]
    [InlineData("1/1", 1, 1)]
    public void Assignments_parse(string text, int i, int n) => Assert.Equal((i, n), AnnotationWorkItems.ParseAssignment(text));

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("2")]
    [InlineData("a/b")]
    public void Bad_assignments_say_what_is_expected(string text) =>
        Assert.Contains("is not I/N with 1 <= I <= N", Assert.Throws<FormatException>(() => AnnotationWorkItems.ParseAssignment(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Samples_become_one_item_per_sample()
    {
        var path = Path.Combine(_folder, "samples.jsonl");
        File.WriteAllText(path, "{\"image\": \"coco/1.jpg\", \"prompt\": \"Describe.\", \"samples\": [\"A dog.\", \"A cat.\"]}\n{\"image\": \"2.jpg\", \"prompt\": \"Describe.\", \"samples\": [\"A bird.\"]}\n");

        var items = AnnotationWorkItems.ReadSamples(path);

        Assert.Equal(["coco/1-0", "coco/1-1", "2-0"], items.Select(i => i.Id));
        Assert.Equal(("coco/1.jpg", "A cat."), (items[1].Image, items[1].Description));
    }

    [Fact]
    public void A_sample_line_without_samples_names_file_and_line()
    {
        var path = Path.Combine(_folder, "samples.jsonl");
        File.WriteAllText(path, "{\"image\": \"1.jpg\", \"prompt\": \"p\", \"samples\": [\"A\"]}\n{\"image\": \"2.jpg\", \"prompt\": \"p\"}\n");

        var e = Assert.Throws<InvalidDataException>(() => AnnotationWorkItems.ReadSamples(path));

        Assert.Equal($"{path}, line 2, samples: missing; expected an array of strings.", e.Message);
    }

    [Fact]
    public void A_journal_gives_its_samples_with_the_signals_for_assist()
    {
        var record = new SupervisionRecord
        {
            ImageId = "1",
            Image = Path.Combine(_folder, "images", "1.jpg"),
            Prompt = "Describe.",
            Status = SupervisionStatus.Scored,
            Samples =
            [
                new SampleRecord
                {
                    Index = 0,
                    Text = "A dog. A cat.",
                    Sentences =
                    [
                        new SentenceRecord
                        {
                            Start = 0, End = 6, Text = "A dog.",
                            Signals = new Dictionary<string, SentenceSignal>
                            {
                                ["automatic"] = new() { Evidence = new AutomaticEvidence { Found = ["dog"], Missing = [] }.ToEvidence() },
                                ["reward_model"] = new() { Evidence = new RewardModelEvidence { Score = -0.5, LabelScore = -1, Error = SentenceErrorKind.Attribute }.ToEvidence() },
                            },
                        },
                    ],
                },
                new SampleRecord { Index = 1, Text = string.Empty },
            ],
        };
        var path = Path.Combine(_folder, "scores.jsonl");
        File.WriteAllText(path, JsonSerializer.Serialize(record, JournalJson.Options) + "\n" + JsonSerializer.Serialize(record with { ImageId = "2", Status = SupervisionStatus.Failed }, JournalJson.Options) + "\n");

        var item = Assert.Single(AnnotationWorkItems.ReadJournal(path, Path.Combine(_folder, "images")));

        Assert.Equal(("1-0", "1.jpg", "A dog. A cat."), (item.Id, item.Image, item.Description));
        var assist = Assert.Single(item.Assist);
        Assert.Equal(("dog", -1.0, "attribute"), (Assert.Single(assist.Found), assist.RewardScore, assist.RewardError));
    }
}
