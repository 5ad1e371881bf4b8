using Spectre.Console.Cli;
using Spectre.Console.Cli.Testing;

namespace ViGoR.Cli.Tests;

public class HelpTests
{
    public static TheoryData<string[]> Verbs() =>
    [
        [], ["demo"], ["run"], ["merge"], ["export"], ["export", "llava"], ["export", "pairs"], ["generate"], ["nouns"], ["detect"], ["finetune"], ["train-reward"],
        ["score"], ["shapesworld"], ["probe"], ["pretrain"], ["version"],
        ["eval"], ["eval", "pope"], ["eval", "chair"], ["eval", "mme"], ["eval", "rank"], ["eval", "mmhal"],
        ["annotations"], ["annotations", "validate"], ["annotations", "stats"],
    ];

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_verb_prints_its_help(string[] verb)
    {
        // Option descriptions are Spectre markup: an unescaped '[' breaks --help at run time only.
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);

        var result = app.Run([.. verb, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("USAGE:", result.Output);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("finetune")]
    [InlineData("train-reward")]
    public void Every_training_verb_offers_gradient_checkpointing(string verb)
    {
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);

        var result = app.Run([verb, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--gradient-checkpointing", result.Output, StringComparison.Ordinal);
    }
}
