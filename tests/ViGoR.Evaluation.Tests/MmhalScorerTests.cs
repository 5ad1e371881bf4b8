namespace ViGoR.Evaluation.Tests;

public class MmhalScorerTests
{
    [Theory]
    [InlineData("The response is accurate. Rating: 5, very informative, no hallucination", 5)]
    [InlineData("RATING: 0", 0)]
    [InlineData("rating: 6", 6)]
    [InlineData("I would give it a 4.", null)]
    [InlineData("Rating: 2 or maybe Rating: 3", null)]
    public void Ratings_are_read_as_llava_rlhf_reads_them(string reply, int? rating) =>
        Assert.Equal(rating, MmhalScorer.ParseRating(reply));

    [Fact]
    public void Prompt_is_the_rubric_with_the_record_filled_in()
    {
        var prompt = MmhalRubric.Format(["Tree", "Tower"], "What is {this}?", "A smokestack.", "A tower {model_answer}.");
        Assert.StartsWith("Please act as an impartial and objective judge", prompt, StringComparison.Ordinal);
        Assert.Contains("### Image Contents\nTree, Tower\n\n### Question\nWhat is {this}?\n\n### Standard Human-Generated Answer\nA smokestack.\n\n### LMM Response to Evaluate\nA tower {model_answer}.\n", prompt, StringComparison.Ordinal);
        Assert.Contains("- Rating: 0, not informative, with hallucination", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scores_average_and_hallucination_rate_with_retries_and_failures()
    {
        var dir = EvaluationFixtures.TempDirectory();
        var responses = Path.Combine(dir, "responses.json");
        await File.WriteAllTextAsync(responses, """
            [
              {"question_type": "attribute", "image_content": ["Cat"], "question": "What colour is the cat?", "gt_answer": "Black.", "model_answer": "R6"},
              {"question_type": "attribute", "image_content": ["Dog"], "question": "What colour is the dog?", "gt_answer": "White.", "model_answer": "R1"},
              {"question_type": "counting", "image_content": ["Car"], "question": "How many cars?", "gt_answer": "Two.", "model_answer": "R3-after-retry"},
              {"question_type": "counting", "image_content": ["Bus"], "question": "How many buses?", "gt_answer": "One.", "model_answer": "never"}
            ]
            """);
        var records = await MmhalScorer.LoadResponsesAsync(responses);
        var judge = new FakeChatClient((messages, _) =>
        {
            var prompt = messages[0].Text;
            return prompt.Contains("\nR6\n", StringComparison.Ordinal) ? "Great. Rating: 6, very informative"
                : prompt.Contains("\nR1\n", StringComparison.Ordinal) ? "Wrong colour. Rating: 1"
                : prompt.Contains("\nR3-after-retry\n", StringComparison.Ordinal) ? (messages.Count == 1 ? "Hmm." : "Rating: 3")
                : "No idea.";
        });

        var report = await new MmhalScorer(judge, new MmhalOptions { MaxAttempts = 2 }).ScoreAsync(records);

        // Ratings 6, 1, 3 and a failure counted as 0 (LLaVA-RLHF's rule): mean 2.5, two of four below 3.
        Assert.Equal(6, judge.Calls.Count);
        Assert.Equal(2.5, report.AverageScore, 12);
        Assert.Equal(0.5, report.HallucinationRate, 12);
        Assert.Equal((3, 1), (report.Rated, report.Failures));
        Assert.Equal(3.5, report.AverageScoreByType["attribute"], 12);
        Assert.Equal(1.5, report.AverageScoreByType["counting"], 12);

        var excluding = MmhalScorer.Summarize(report.Ratings, failuresCountAsZero: false);
        Assert.Equal(10.0 / 3, excluding.AverageScore, 12);
        Assert.Equal(1.0 / 3, excluding.HallucinationRate, 12);
    }

    [Fact]
    public async Task Missing_fields_name_the_entry()
    {
        var responses = Path.Combine(EvaluationFixtures.TempDirectory(), "responses.json");
        await File.WriteAllTextAsync(responses, """[{"image_content": [], "question": "q", "gt_answer": "a"}]""");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => MmhalScorer.LoadResponsesAsync(responses));

        Assert.Contains("entry 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("model_answer", error.Message, StringComparison.Ordinal);
    }
}
