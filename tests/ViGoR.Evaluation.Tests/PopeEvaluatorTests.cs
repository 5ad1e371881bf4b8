namespace ViGoR.Evaluation.Tests;

public class PopeEvaluatorTests
{
    private const string Suffix = PopeOptions.LlavaAnswerFormatSuffix;

    [Theory]
    [InlineData("Yes", true)]
    [InlineData("No", false)]
    [InlineData("Yes, there is a dog.", true)]
    [InlineData("There is no car.", false)]
    [InlineData("No, there is not.", false)]
    [InlineData("The dog is not visible in the image", false)]
    [InlineData("Yes. There is no cat.", true)] // only the text before the first '.' counts
    [InlineData("no", false)]
    [InlineData("NO", true)] // POPE's rule is case-sensitive
    [InlineData("Nope", true)]
    [InlineData("There isn't", true)]
    [InlineData("", true)]
    [InlineData("No,", false)] // commas are dropped before splitting
    public void Normalizer_follows_POPE_rule(string answer, bool yes) =>
        Assert.Equal(yes, PopeAnswerNormalizer.IsYes(answer));

    [Fact]
    public async Task Real_excerpt_pairs_by_id_text_and_template_object_with_hand_checked_counts()
    {
        // 12 adversarial + 11 random LLaVA questions; the answers are reordered and one (adversarial
        // id 12) is missing; adversarial id 11 and random id 10000011 are LLaVA's "in the imange?"
        // spelling; the random label file has one label LLaVA never asked.
        var report = await new PopeEvaluator().EvaluateFilesAsync(
            EvaluationFixtures.Path("pope"),
            EvaluationFixtures.Path("pope", "answers_llava-v1.5-13b.jsonl"),
            EvaluationFixtures.Path("pope", "llava_pope_test.jsonl"));

        var adversarial = report.Splits["adversarial"];
        Assert.Equal((5, 1, 4, 1), (adversarial.TruePositives, adversarial.FalsePositives, adversarial.TrueNegatives, adversarial.FalseNegatives));
        Assert.Equal(9.0 / 11, adversarial.Accuracy, 12);
        Assert.Equal(5.0 / 6, adversarial.Precision, 12);
        Assert.Equal(5.0 / 6, adversarial.Recall, 12);
        Assert.Equal(5.0 / 6, adversarial.F1, 12);
        Assert.Equal(6.0 / 11, adversarial.YesRatio, 12);
        Assert.Equal(0, adversarial.UnmatchedAnswers);
        Assert.Equal(1, adversarial.UnansweredLabels);
        Assert.Equal((10, 0, 1), (adversarial.PairedBy.ById, adversarial.PairedBy.ByText, adversarial.PairedBy.ByObject));

        var random = report.Splits["random"];
        Assert.Equal((5, 0, 5, 1), (random.TruePositives, random.FalsePositives, random.TrueNegatives, random.FalseNegatives));
        Assert.Equal(10.0 / 11, random.Accuracy, 12);
        Assert.Equal(1.0, random.Precision, 12);
        Assert.Equal(5.0 / 6, random.Recall, 12);
        Assert.Equal(10.0 / 11, random.F1, 12);
        Assert.Equal(5.0 / 11, random.YesRatio, 12);
        Assert.Equal(1, random.UnansweredLabels);
        Assert.Equal((0, 10, 1), (random.PairedBy.ById, random.PairedBy.ByText, random.PairedBy.ByObject));

        Assert.NotNull(report.Average);
        Assert.Equal(((9.0 / 11) + (10.0 / 11)) / 2, report.Average!.Accuracy, 12);
        Assert.Equal(((5.0 / 6) + (10.0 / 11)) / 2, report.Average.F1, 12);
        Assert.Equal(10, report.Average.TruePositives);
        Assert.Empty(report.UnmatchedDetails);
    }

    [Fact]
    public async Task Strict_text_pairing_reports_the_misspelt_questions_as_unmatched()
    {
        var report = await new PopeEvaluator(new PopeOptions { PairByTemplateObject = false }).EvaluateFilesAsync(
            EvaluationFixtures.Path("pope"),
            EvaluationFixtures.Path("pope", "answers_llava-v1.5-13b.jsonl"),
            EvaluationFixtures.Path("pope", "llava_pope_test.jsonl"));

        Assert.Equal(1, report.Splits["adversarial"].UnmatchedAnswers);
        Assert.Equal(2, report.Splits["adversarial"].UnansweredLabels);
        Assert.Equal(1, report.Splits["random"].UnmatchedAnswers);
        Assert.Equal(2, report.Splits["random"].UnansweredLabels);
        var detail = Assert.Single(report.UnmatchedDetails, d => d.Split == "adversarial");
        Assert.Contains("answers_llava-v1.5-13b.jsonl", detail.Source, StringComparison.Ordinal);
        Assert.Contains("imange", detail.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pairing_never_uses_position_and_counts_duplicates_and_strangers()
    {
        var labels = new PopeLabelSet("random",
        [
            Label("1", "a.jpg", "Is there a dog in the image?", yes: true),
            Label("2", "a.jpg", "Is there a cat in the image?", yes: false),
            Label("3", "b.jpg", "Is there a dog in the image?", yes: false),
        ]);

        // Same questions in another order, with other ids, one asked twice and one about an unknown image.
        var answers = new List<PopeAnswer>
        {
            Answer("b.jpg", "Is there a dog in the image?" + Suffix, "No", 1),
            Answer("a.jpg", "Is there a dog in the image?", "Yes, there is.", 2),
            Answer("a.jpg", "Is there a dog in the image?", "No", 3),
            Answer("z.jpg", "Is there a dog in the image?", "Yes", 4),
        };

        var split = new PopeEvaluator().Evaluate([labels], answers).Splits["random"];

        Assert.Equal((1, 0, 1, 0), (split.TruePositives, split.FalsePositives, split.TrueNegatives, split.FalseNegatives));
        Assert.Equal(2, split.UnmatchedAnswers);
        Assert.Equal(1, split.UnansweredLabels);
    }

    [Fact]
    public void Question_file_that_contradicts_the_answer_prompt_is_an_error_naming_both_lines()
    {
        var labels = new PopeLabelSet("random", [Label("1", "a.jpg", "Is there a dog in the image?", yes: true)]);
        var questions = new List<PopeQuestion> { new("7", "a.jpg", "Is there a dog in the image?" + Suffix, "random", "q.jsonl", 3) };
        var answers = new List<PopeAnswer> { new("7", null, "Is there a cat in the image?" + Suffix, null, "Yes", "ans.jsonl", 5) };

        var error = Assert.Throws<InvalidDataException>(() => new PopeEvaluator().Evaluate([labels], answers, questions));
        Assert.Contains("ans.jsonl, line 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("q.jsonl, line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Answers_to_unknown_question_ids_and_unloaded_splits_are_counted_as_unassigned()
    {
        var labels = new PopeLabelSet("random", [Label("1", "a.jpg", "Is there a dog in the image?", yes: true)]);
        var questions = new List<PopeQuestion>
        {
            new("1", "a.jpg", "Is there a dog in the image?", "random", "q.jsonl", 1),
            new("2", "a.jpg", "Is there a dog in the image?", "popular", "q.jsonl", 2),
        };
        var answers = new List<PopeAnswer>
        {
            new("1", null, null, null, "Yes", "ans.jsonl", 1),
            new("2", null, null, null, "Yes", "ans.jsonl", 2),
            new("99", null, null, null, "Yes", "ans.jsonl", 3),
        };

        var report = new PopeEvaluator().Evaluate([labels], answers, questions);

        Assert.Equal(1, report.Splits["random"].TruePositives);
        Assert.Equal(2, report.UnassignedAnswers);
        Assert.Contains(report.UnmatchedDetails, d => d.Line == 3 && d.Reason.Contains("99", StringComparison.Ordinal));
    }

    [Fact]
    public void Pope_format_answers_pair_in_order_only_while_each_question_agrees()
    {
        var labels = new PopeLabelSet("adversarial",
        [
            Label("1", "a.jpg", "Is there a dog in the image?", yes: true),
            Label("2", "a.jpg", "Is there a cat in the image?", yes: false),
        ]);
        var good = new List<PopeAnswer>
        {
            new(null, null, "Is there a dog in the image?", null, "Yes", "pope.json", 1),
            new(null, null, "Is there a cat in the image?", null, "No", "pope.json", 2),
        };
        var split = new PopeEvaluator().Evaluate([labels], good).Splits["adversarial"];
        Assert.Equal((1, 1, 2), (split.TruePositives, split.TrueNegatives, split.PairedBy.ByCheckedOrder));

        var shifted = new List<PopeAnswer> { new(null, null, "Is there a cat in the image?", null, "No", "pope.json", 1) };
        var error = Assert.Throws<InvalidDataException>(() => new PopeEvaluator().Evaluate([labels], shifted));
        Assert.Contains("pope.json, line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_answer_line_names_file_and_line()
    {
        var dir = EvaluationFixtures.TempDirectory();
        var answers = Path.Combine(dir, "answers.jsonl");
        await File.WriteAllTextAsync(answers, "{\"question_id\": 1, \"prompt\": \"q\", \"text\": \"Yes\"}\n{\"question_id\": 2, \"prompt\": \n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => PopeFiles.LoadAnswersAsync(answers));
        Assert.Contains("answers.jsonl, line 2", error.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(answers, "{\"question_id\": 1, \"prompt\": \"q\"}\n");
        error = await Assert.ThrowsAsync<InvalidDataException>(() => PopeFiles.LoadAnswersAsync(answers));
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'text'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_json_has_the_documented_shape()
    {
        var labels = new PopeLabelSet("popular", [Label("1", "a.jpg", "Is there a dog in the image?", yes: true)]);
        var json = new PopeEvaluator().Evaluate([labels], [Answer("a.jpg", "Is there a dog in the image?", "Yes", 1)]).ToJson();
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var split = doc.RootElement.GetProperty("splits").GetProperty("popular");
        foreach (var key in new[] { "tp", "fp", "tn", "fn", "accuracy", "precision", "recall", "f1", "yes_ratio", "unmatched_answers", "unanswered_labels" })
        {
            Assert.True(split.TryGetProperty(key, out _), key);
        }

        Assert.Equal(1.0, doc.RootElement.GetProperty("average").GetProperty("accuracy").GetDouble());
    }

    private static PopeLabel Label(string id, string image, string text, bool yes) => new(id, image, text, yes, "labels.json", int.Parse(id, System.Globalization.CultureInfo.InvariantCulture));

    private static PopeAnswer Answer(string image, string question, string text, int line) => new(null, image, question, null, text, "answers.jsonl", line);
}
