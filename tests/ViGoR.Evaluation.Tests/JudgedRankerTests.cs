using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ViGoR.Evaluation.Tests;

public partial class JudgedRankerTests
{
    private static readonly string[] Criteria = JudgedRankingOptions.PaperCriteria.Select(c => c.Name).ToArray();

    [Fact]
    public async Task Ranks_are_unshuffled_through_the_recorded_mapping_and_averaged()
    {
        var items = new[] { Item("1"), Item("2"), Item("3") };

        // The judge always prefers the description that says "best", then "good", then "poor".
        var judge = new FakeChatClient((messages, _) => RankByQuality(messages[^1].Text));
        var report = await new JudgedRanker(judge, new JudgedRankingOptions { Seed = 7 }).RankAsync(items);

        Assert.Equal(3, report.Judged);
        Assert.Equal(0, report.Failures);
        Assert.All(Criteria, c => Assert.Equal(1.0, report.AverageRanks["vigor"][c]));
        Assert.All(Criteria, c => Assert.Equal(2.0, report.AverageRanks["llava"][c]));
        Assert.All(Criteria, c => Assert.Equal(3.0, report.AverageRanks["baseline"][c]));
        Assert.All(report.Judgements, j => Assert.Equal(["A", "B", "C"], j.Mapping.Keys.Order()));
        Assert.All(judge.Options, o => Assert.Equal(0f, o!.Temperature));

        // The order shown depends on the seed and image, and is the recorded mapping.
        var shown = report.Judgements.Select(j => string.Join(",", j.Mapping.OrderBy(p => p.Key).Select(p => p.Value))).ToList();
        Assert.True(shown.Distinct().Count() > 1, "candidates must be shuffled per image");
        Assert.Equal(JudgedRanker.Shuffle(items[0].Candidates, "1", 7).Select(c => c.Model), report.Judgements[0].Mapping.OrderBy(p => p.Key).Select(p => p.Value));
    }

    [Fact]
    public async Task Malformed_replies_are_retried_then_recorded_as_failures()
    {
        // Image x: the judge only ever answers in prose. Image y: a tie first, a valid ranking on the retry.
        var judge = new FakeChatClient((messages, _) =>
            messages[1].Text.Contains("Image x:", StringComparison.Ordinal) ? "I would rank A first."
            : messages.Count == 2 ? "{\"hallucination\": [\"A\", \"A\", \"B\"]}"
            : RankByQuality(messages[1].Text));
        var progress = new List<JudgeProgress>();

        var report = await new JudgedRanker(judge, new JudgedRankingOptions { MaxAttempts = 2 }).RankAsync(
            [Item("x"), Item("y")], new SyncProgress<JudgeProgress>(progress.Add));

        Assert.Equal(4, judge.Calls.Count);
        Assert.Equal((1, 1), (report.Judged, report.Failures));
        var failed = Assert.Single(report.Judgements, j => j.Failure is not null);
        Assert.Equal(("x", 2, "I would rank A first."), (failed.ImageId, failed.Attempts, failed.Reply));
        Assert.Null(failed.Ranks);
        Assert.Equal(1.0, report.AverageRanks["vigor"]["detail"]);
        Assert.Equal(new JudgeProgress(2, 2, 1), progress[^1]);

        // The retry tells the judge what was wrong.
        Assert.Contains(judge.Calls, c => c.Count == 4 && c[^1].Text.Contains("could not be used", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"hallucination":["A","B"],"counting":["A","B"],"attributes":["A","B"],"relationships":["A","B"],"relevance":["A","B"],"reasoning":["A","B"],"detail":["B","A"]}""", true)]
    [InlineData("```json\n{\"hallucination\":[\"A\",\"B\"],\"counting\":[\"A\",\"B\"],\"attributes\":[\"A\",\"B\"],\"relationships\":[\"A\",\"B\"],\"relevance\":[\"A\",\"B\"],\"reasoning\":[\"A\",\"B\"],\"detail\":[\"B\",\"A\"]}\n```", true)]
    [InlineData("""Here: {"hallucination":["A","B"]}""", false)]
    [InlineData("""{"hallucination":["A","B"],"counting":["A","B"],"attributes":["A","B"],"relationships":["A","B"],"relevance":["A","B"],"reasoning":["A","B"]}""", false)]
    [InlineData("""{"hallucination":["A","A"],"counting":["A","B"],"attributes":["A","B"],"relationships":["A","B"],"relevance":["A","B"],"reasoning":["A","B"],"detail":["B","A"]}""", false)]
    [InlineData("""{"hallucination":["A","C"],"counting":["A","B"],"attributes":["A","B"],"relationships":["A","B"],"relevance":["A","B"],"reasoning":["A","B"],"detail":["B","A"]}""", false)]
    [InlineData("""{"hallucination":["A","B"],"counting":["A","B"],"attributes":["A","B"],"relationships":["A","B"],"relevance":["A","B"],"reasoning":["A","B"],"detail":["B","A"],"style":["A","B"]}""", false)]
    public void Replies_are_parsed_strictly(string reply, bool valid)
    {
        var ranker = new JudgedRanker(new FakeChatClient((_, _) => string.Empty));
        Assert.Equal(valid, ranker.TryParse(reply, ["A", "B"], out var ranks, out var problem));
        if (valid)
        {
            Assert.Equal(2, ranks["detail"]["A"]);
        }
        else
        {
            Assert.NotEmpty(problem);
        }
    }

    [Fact]
    public async Task A_journal_resumes_without_asking_the_judge_again()
    {
        var journal = Path.Combine(EvaluationFixtures.TempDirectory(), "rank.jsonl");
        var options = new JudgedRankingOptions { JournalPath = journal };
        var first = new FakeChatClient((messages, _) => RankByQuality(messages[^1].Text));
        await new JudgedRanker(first, options).RankAsync([Item("1"), Item("2")]);

        var second = new FakeChatClient((messages, _) => RankByQuality(messages[^1].Text));
        var report = await new JudgedRanker(second, options).RankAsync([Item("1"), Item("2"), Item("3")]);

        Assert.Equal(2, first.Calls.Count);
        Assert.Single(second.Calls);
        Assert.Equal(3, report.Judged);
    }

    [Fact]
    public async Task The_image_is_sent_when_it_has_pixels()
    {
        var image = ImageInput.FromPixels(new RgbImage("img", 2, 2, new byte[12]));
        var judge = new FakeChatClient((messages, _) => RankByQuality(messages[^1].Text));
        await new JudgedRanker(judge).RankAsync([Item("1") with { Image = image, Reference = "A cat on a couch." }]);

        var user = judge.Calls[0][1];
        Assert.Contains(user.Contents, c => c is DataContent { MediaType: "image/png" });
        Assert.Contains("A cat on a couch.", user.Text, StringComparison.Ordinal);
    }

    private static RankingItem Item(string id) => new(id,
    [
        new RankingCandidate("baseline", $"Image {id}: a poor description."),
        new RankingCandidate("vigor", $"Image {id}: the best description."),
        new RankingCandidate("llava", $"Image {id}: a good description."),
    ]);

    private static string RankByQuality(string prompt)
    {
        var labels = DescriptionPattern().Matches(prompt)
            .Select(m => (Label: m.Groups["label"].Value, Quality: m.Groups["text"].Value.Contains("best", StringComparison.Ordinal) ? 0 : m.Groups["text"].Value.Contains("good", StringComparison.Ordinal) ? 1 : 2))
            .OrderBy(p => p.Quality)
            .Select(p => $"\"{p.Label}\"")
            .ToList();
        return "{" + string.Join(", ", Criteria.Select(c => $"\"{c}\": [{string.Join(", ", labels)}]")) + "}";
    }

    [GeneratedRegex(@"Description (?<label>[A-Z]):\n(?<text>[^\n]*)")]
    private static partial Regex DescriptionPattern();

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
