namespace ViGoR.Evaluation.Tests;

public class MmeEvaluatorTests
{
    [Theory]
    [InlineData("Yes", MmeAnswer.Yes)]
    [InlineData("No.", MmeAnswer.No)]
    [InlineData("yes, there is", MmeAnswer.Yes)]
    [InlineData("No, there is not.", MmeAnswer.No)]
    [InlineData("Y", MmeAnswer.Yes)]
    [InlineData("n", MmeAnswer.No)]
    [InlineData("x", MmeAnswer.Other)]
    [InlineData("I think so", MmeAnswer.Other)]
    [InlineData("The answer is yes", MmeAnswer.Other)] // only the first four characters are read
    [InlineData("  Yes.", MmeAnswer.Yes)]
    public void Parser_reads_yes_no_other(string answer, MmeAnswer expected) =>
        Assert.Equal(expected, MmeAnswerParser.Parse(answer));

    [Fact]
    public async Task Folder_scores_match_hand_computation()
    {
        var report = await MmeEvaluator.EvaluateFolderAsync(EvaluationFixtures.Path("mme"));

        // existence: 3 of 4 right, 1 of 2 images fully right -> 75 + 50.
        Assert.Equal(0.75, report.Subtasks["existence"].Accuracy);
        Assert.Equal(0.5, report.Subtasks["existence"].AccuracyPlus);
        Assert.Equal(125, report.Subtasks["existence"].Score, 9);

        // count: "Y" right, "I think so" other, a wrong yes, "n" right -> 50 + 0.
        Assert.Equal(50, report.Subtasks["count"].Score, 9);
        Assert.Equal(1, report.Subtasks["count"].OtherAnswers);

        Assert.Equal(200, report.Subtasks["commonsense_reasoning"].Score, 9);
        Assert.Equal(175, report.Perception, 9);
        Assert.Equal(200, report.Cognition, 9);
        Assert.Equal(11, report.MissingSubtasks.Count);
        Assert.Contains("OCR", report.MissingSubtasks);
    }

    [Theory]
    [InlineData("a.jpg\tq\tYes\tYes\n", "count must be even")]
    [InlineData("a.jpg\tq\tYes\tYes\nb.jpg\tq\tNo\tNo\n", "line 2")]
    [InlineData("a.jpg\tq\tYes\n a.jpg\tq\tNo\tNo\n", "line 1")]
    [InlineData("a.jpg\tq\tMaybe\tYes\na.jpg\tq\tNo\tNo\n", "line 1")]
    public async Task Malformed_files_name_the_file_and_line(string content, string expected)
    {
        var dir = EvaluationFixtures.TempDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir, "color.txt"), content);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => MmeEvaluator.EvaluateFolderAsync(dir));

        Assert.Contains("color.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
