using System.ComponentModel;
using System.Reflection;
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
        ["annotations", "agreement"], ["annotations", "merge"], ["annotations", "import"], ["annotations", "export"], ["annotate"],
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
    [InlineData("run", "--gradient-checkpointing")] // every training verb
    [InlineData("finetune", "--gradient-checkpointing")]
    [InlineData("train-reward", "--gradient-checkpointing")]
    [InlineData("train-reward", "--feature-cache")]
    [InlineData("demo", "--annotation-images")]
    [InlineData("demo", "--reward-epochs")]
    [InlineData("demo", "--reward-lr")]
    [InlineData("finetune", "--feature-cache")]
    [InlineData("run", "--reward-signal")]
    [InlineData("run", "--selection-order")]
    [InlineData("run", "--warmup-ratio")]
    [InlineData("run", "--feature-cache")]
    [InlineData("run", "--dpo-loss")]
    public void A_verbs_help_lists_its_flag(string verb, string flag)
    {
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);

        var result = app.Run([verb, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(flag, result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("merge", "--weight")] // merge applies the selection the chunks' runs recorded
    [InlineData("merge", "--selection-order")]
    [InlineData("merge", "--lr")]
    [InlineData("finetune", "--weight")] // a verb's help lists what it reads, and no flag of another
    [InlineData("finetune", "--statistics")]
    [InlineData("train-reward", "--objective")]
    public void A_verbs_help_lists_no_flag_it_does_not_read(string verb, string flag)
    {
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);

        var result = app.Run([verb, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex($@"^\s+(-\w, )?{flag}\b", System.Text.RegularExpressions.RegexOptions.Multiline), result.Output);
    }

    [Fact]
    public void Every_option_and_argument_of_every_verb_has_a_description()
    {
        // --help shows an undescribed flag as a bare name: the user cannot tell what it does.
        var undescribed =
            from type in typeof(VigorApp).Assembly.GetTypes()
            where typeof(CommandSettings).IsAssignableFrom(type)
            from property in type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            where property.GetCustomAttribute<CommandOptionAttribute>() is not null || property.GetCustomAttribute<CommandArgumentAttribute>() is not null
            where string.IsNullOrWhiteSpace(property.GetCustomAttribute<DescriptionAttribute>()?.Description)
            select $"{type.Name}.{property.Name}";

        Assert.Empty(undescribed);
    }

    [Fact]
    public void Version_flag_prints_the_version()
    {
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);

        var result = app.Run(["--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"\d+\.\d+", result.Output);
    }
}
