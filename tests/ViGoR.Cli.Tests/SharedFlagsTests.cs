using Spectre.Console.Cli;
using ViGoR.Cli.Commands;
using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Cli.Tests;

/// <summary>The flags several verbs share: declared once, read once, so every verb reads them alike.</summary>
public sealed class SharedFlagsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-flags-").FullName;

    private static readonly string TinyModel = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava", "hf");

    private static readonly string TinyImage = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava", "image0.png");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData("fp32", ScalarType.Float32)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    [InlineData("bf16", ScalarType.BFloat16)]
    [InlineData("BF16", ScalarType.BFloat16)]
    [InlineData("float16", ScalarType.Float16)]
    [InlineData("fp16", ScalarType.Float16)]
    public void Every_spelling_of_a_dtype_reads_alike(string spelling, ScalarType expected) =>
        Assert.Equal(expected, TorchFlags.ParseDType(spelling));

    /// <summary>Arguments of each verb with a --dtype flag that reach the reading of --dtype.</summary>
    private string[] Verb(string verb, string dtype)
    {
        var data = Path.Combine(_folder, "data.jsonl");
        File.WriteAllText(data, $$"""{"id": "image0", "image": "{{TinyImage}}", "prompt": "Describe."}""" + "\n");
        return verb switch
        {
            "run" => ["run", "--model", TinyModel, "--data", data, "--work", Path.Combine(_folder, "work"), "--supervision-only", "--dtype", dtype],
            "finetune" => ["finetune", "--model", TinyModel, "--plan", "--dtype", dtype],
            "train-reward" => ["train-reward", "--base", TinyModel, "--annotations", data, "--images", _folder, "--out", Path.Combine(_folder, "rm"), "--dtype", dtype],
            "score" => ["score", "--reward-model", TinyModel, "--samples", data, "--images", _folder, "--out", Path.Combine(_folder, "judgements.jsonl"), "--dtype", dtype],
            _ => ["generate", "--model", TinyModel, "--images", TinyImage, "--prompt", "Describe.", "-k", "1", "--max-new-tokens", "2", "--out", Path.Combine(_folder, "samples.jsonl"), "--dtype", dtype],
        };
    }

    [Theory]
    [InlineData("run")]
    [InlineData("finetune")]
    [InlineData("train-reward")]
    [InlineData("score")]
    [InlineData("generate")]
    public async Task Every_verb_with_a_dtype_flag_refuses_an_unknown_spelling_with_the_same_message(string verb)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => VigorApp.Create().RunAsync(Verb(verb, "fp8")));

        Assert.Contains("--dtype 'fp8' is not float32 (fp32), bfloat16 (bf16) or float16 (fp16).", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("finetune")]
    [InlineData("generate")]
    public async Task Bf16_is_accepted_where_it_used_to_be_refused_and_where_it_was_not(string verb)
    {
        Assert.Equal(0, await VigorApp.Create().RunAsync(Verb(verb, "bf16")));
    }

    [Fact]
    public void Fine_tuning_flags_become_options_once_for_run_finetune_and_train_reward_alike()
    {
        var finetune = Parse<FinetuneCommand.Settings>("finetune", "--model", "m", "--data", "d", "--out", "o", "--lr", "1e-4", "--batch-size", "8", "--micro-batch-size", "2",
            "--warmup-ratio", "0.1", "--seed", "7", "--save-every", "3", "--lora", "--lora-targets", "attention", "--lora-dropout", "0.2", "--gradient-checkpointing");
        var reward = Parse<TrainRewardCommand.Settings>("train-reward", "--base", "m", "--annotations", "a", "--images", "i", "--out", "o", "--lr", "1e-4", "--batch-size", "8",
            "--micro-batch-size", "2", "--warmup-ratio", "0.1", "--seed", "7", "--save-every", "3", "--lora", "--gradient-checkpointing");

        var run = Parse<RunCommand.Settings>("run", "--samples", "s", "--lr", "1e-4", "--batch-size", "8", "--micro-batch-size", "2",
            "--warmup-ratio", "0.1", "--seed", "7", "--save-every", "3", "--lora", "--gradient-checkpointing", "--objective", "sft+dpo", "--dpo-beta", "0.3", "--sft-weight", "0.5");

        var a = finetune.FineTuningOptions(null, finetune.Seed);
        var b = reward.FineTuningOptions(null, reward.Seed);
        var c = run.FineTuningOptions(null);

        // run's --seed seeds its sampling; its fine-tuning keeps FineTuningOptions' own seed, as finetune's default does.
        Assert.Equal((2, 1e-4, 8, 2, 0.1, 42, 3), (c.Epochs, c.LearningRate, c.BatchSize, c.MicroBatchSize, c.WarmupRatio, c.Seed, c.SaveEverySteps));
        Assert.Equal((TorchFlags.LlavaLoraRank, true, true), (LlavaFineTuningOptions.From(c).LoraRank, LlavaFineTuningOptions.From(c).GradientCheckpointing, LlavaFineTuningOptions.From(c).FreezeVisionTower));
        Assert.Equal((0.3, 0.5), (ObjectiveFlags.Dpo(run).Beta, ObjectiveFlags.Dpo(run).SftWeight));

        // The paper's epochs differ by verb (2 to fine-tune the LVLM, 5 for the reward model); the rest is read alike.
        Assert.Equal((2, 5), (a.Epochs, b.Epochs));
        foreach (var options in new[] { a, b })
        {
            Assert.Equal((1e-4, 8, 2, 0.1, 7, 3), (options.LearningRate, options.BatchSize, options.MicroBatchSize, options.WarmupRatio, options.Seed, options.SaveEverySteps));
        }

        var llava = LlavaFineTuningOptions.From(a);
        Assert.Equal((TorchFlags.LlavaLoraRank, LoraTargets.AttentionOnly, 0.2, true, true), (llava.LoraRank, llava.LoraTargets, llava.LoraDropout, llava.GradientCheckpointing, llava.FreezeVisionTower));
        Assert.Equal((TorchFlags.LlavaLoraRank, LoraTargets.AllLinear, true), (LlavaFineTuningOptions.From(b).LoraRank, LlavaFineTuningOptions.From(b).LoraTargets, LlavaFineTuningOptions.From(b).GradientCheckpointing));
    }

    /// <summary>The settings Spectre makes of <paramref name="args"/> for the verb, validated, without running it.</summary>
    private static T Parse<T>(params string[] args)
        where T : CommandSettings
    {
        T? parsed = null;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.PropagateExceptions();
            config.AddCommand<Capture<T>>(args[0]).WithData((Action<T>)(s => parsed = s));
        });
        Assert.Equal(0, app.Run(args));
        return parsed!;
    }

    private sealed class Capture<T> : Command<T>
        where T : CommandSettings
    {
        public override int Execute(CommandContext context, T settings, CancellationToken cancellationToken)
        {
            ((Action<T>)context.Data!)(settings);
            return 0;
        }
    }
}
