using ViGoR.Torch.Generation;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Generation;

public sealed class LlavaGeneratorTests : IDisposable
{
    private readonly LlavaVisionLanguageModel _model = TinyLlava.Load(TinyLlava.HuggingFace);

    public void Dispose() => _model.Dispose();

    private static Tensor Pixels(string layout, params int[] images) =>
        stack(images.Select(i => TinyLlava.Ref($"pixels_{layout}_{i}")).ToArray(), 0);

    private GenerationOutput Run(long[][] prompts, Tensor pixels, GenerationSettings settings) =>
        LlavaGenerator.Generate(_model.Module, prompts, pixels, settings);

    private static GenerationSettings Greedy(int steps, bool cache = true, bool record = true) =>
        new() { Temperature = 0, MaxNewTokens = steps, UseCache = cache, RecordLogits = record, EosTokenIds = [-1] };

    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Greedy_decoding_reproduces_the_python_reference_tokens(int image)
    {
        var ids = TinyLlava.RefIds($"ids_hf_{image}");
        using var pixels = Pixels("hf", image);
        using var output = Run([ids], pixels, new GenerationSettings { Temperature = 0, MaxNewTokens = 8, EosTokenIds = [2] });
        var expected = TinyLlava.RefIds($"greedy_hf_{image}").Where(t => t >= 0);
        Assert.Equal(expected, output.Tokens[0][0]);
    }

    [Fact]
    public void Cached_decoding_gives_the_logits_of_full_recomputation()
    {
        var prompts = new[] { TinyLlava.RefIds("ids_hf_0"), TinyLlava.RefIds("ids_hf_1") };
        using var pixels = Pixels("hf", 0, 1);
        using var cached = Run(prompts, pixels, Greedy(12));
        using var full = Run(prompts, pixels, Greedy(12, cache: false));
        Assert.Equal(full.Tokens.Select(p => p[0]), cached.Tokens.Select(p => p[0]));
        Assert.Equal(12, cached.StepLogits!.Count);
        for (int s = 0; s < 12; s++)
        {
            double d = MaxDiff(cached.StepLogits[s], full.StepLogits![s]);
            Assert.True(d < 1e-4, $"step {s}: {d}");
        }
    }

    [Fact]
    public void A_batch_of_prompts_of_different_lengths_equals_each_prompt_alone()
    {
        var p0 = TinyLlava.RefIds("ids_hf_0");
        var p1 = TinyLlava.RefIds("ids_hf_1");
        Assert.NotEqual(p0.Length, p1.Length); // so one row is left-padded
        using var both = Pixels("hf", 0, 1);
        using var only0 = Pixels("hf", 0);
        using var only1 = Pixels("hf", 1);
        using var batch = Run([p0, p1], both, Greedy(10));
        using var alone0 = Run([p0], only0, Greedy(10));
        using var alone1 = Run([p1], only1, Greedy(10));
        Assert.Equal(alone0.Tokens[0][0], batch.Tokens[0][0]);
        Assert.Equal(alone1.Tokens[0][0], batch.Tokens[1][0]);
        for (int s = 0; s < 10; s++)
        {
            Assert.True(MaxDiff(batch.StepLogits![s][0], alone0.StepLogits![s][0]) < 1e-4);
            Assert.True(MaxDiff(batch.StepLogits![s][1], alone1.StepLogits![s][0]) < 1e-4);
        }
    }

    [Fact]
    public void Left_padding_does_not_change_a_prompts_results()
    {
        var p0 = TinyLlava.RefIds("ids_hf_0");
        var longer = p0.Concat(_model.Tokenizer.EncodeText(" and then some more words to make it longer").Select(i => (long)i)).ToArray();
        using var twice = Pixels("hf", 0, 0);
        using var once = Pixels("hf", 0);
        using var padded = Run([p0, longer], twice, Greedy(6));
        using var alone = Run([p0], once, Greedy(6));
        Assert.Equal(alone.Tokens[0][0], padded.Tokens[0][0]);
        for (int s = 0; s < 6; s++)
        {
            Assert.True(MaxDiff(padded.StepLogits![s][0], alone.StepLogits![s][0]) < 1e-4);
        }
    }

    [Fact]
    public void K_samples_expand_one_prefill_into_k_rows()
    {
        var p0 = TinyLlava.RefIds("ids_hf_0");
        using var pixels = Pixels("hf", 0);
        using var output = Run([p0], pixels, new GenerationSettings { NumSamples = 4, Temperature = 1f, MaxNewTokens = 5, Seed = 7, RecordLogits = true, EosTokenIds = [-1] });
        Assert.Equal(4, output.Tokens[0].Length);
        Assert.All(output.Tokens[0], s => Assert.Equal(5, s.Length));
        // The first step's logits come from the shared prefill: identical in every row.
        var first = output.StepLogits![0];
        Assert.Equal(4, first.shape[0]);
        for (int r = 1; r < 4; r++)
        {
            Assert.Equal(0.0, MaxDiff(first[r], first[0]));
        }
    }

    [Fact]
    public void Tiny_top_p_keeps_only_the_most_likely_token()
    {
        var p0 = TinyLlava.RefIds("ids_hf_0");
        using var pixels = Pixels("hf", 0);
        using var greedy = Run([p0], pixels, Greedy(8, record: false));
        using var nucleus = Run([p0], pixels, new GenerationSettings { Temperature = 1f, TopP = 1e-6f, MaxNewTokens = 8, Seed = 3, EosTokenIds = [-1] });
        Assert.Equal(greedy.Tokens[0][0], nucleus.Tokens[0][0]);
    }

    [Fact]
    public void Top_k_of_one_keeps_only_the_most_likely_token_and_a_larger_k_samples_among_the_k_best()
    {
        var p0 = TinyLlava.RefIds("ids_hf_0");
        using var pixels = Pixels("hf", 0);
        using var greedy = Run([p0], pixels, Greedy(8, record: false));
        using var topOne = Run([p0], pixels, new GenerationSettings { Temperature = 5f, TopK = 1, MaxNewTokens = 8, Seed = 3, EosTokenIds = [-1] });
        Assert.Equal(greedy.Tokens[0][0], topOne.Tokens[0][0]);

        // At a high temperature the first token is drawn among the 3 most likely only.
        using var first = Run([p0], pixels, new GenerationSettings { Temperature = 50f, TopK = 3, NumSamples = 40, MaxNewTokens = 1, Seed = 5, EosTokenIds = [-1], RecordLogits = true });
        var best = first.StepLogits![0][0].topk(3).indexes.data<long>().ToHashSet();
        Assert.All(first.Tokens[0], sample => Assert.Contains(sample[0], best));
        Assert.True(first.Tokens[0].Select(t => t[0]).Distinct().Count() > 1);
    }

    [Fact]
    public void Rows_that_finish_leave_the_batch_without_changing_the_others()
    {
        // The token greedy decoding emits third for prompt 0 becomes EOS: prompt 0's row leaves the
        // batch after 3 steps, and prompt 1 decodes on exactly as it does alone (up to that token, if
        // it ever emits it).
        var p0 = TinyLlava.RefIds("ids_hf_0");
        var p1 = TinyLlava.RefIds("ids_hf_1");
        using var pixels0 = Pixels("hf", 0);
        using var pixels1 = Pixels("hf", 1);
        using var pixels = Pixels("hf", 0, 1);
        using var firstAlone = Run([p0], pixels0, Greedy(8, record: false));
        var stop = firstAlone.Tokens[0][0][2];
        var eos = new GenerationSettings { MaxNewTokens = 8, EosTokenIds = [(int)stop] };
        using var secondAlone = Run([p1], pixels1, eos);
        using var both = Run([p0, p1], pixels, eos);
        Assert.Equal(firstAlone.Tokens[0][0].TakeWhile(t => t != stop), both.Tokens[0][0]);
        Assert.True(both.Tokens[0][0].Length < 8);
        Assert.Equal(secondAlone.Tokens[0][0], both.Tokens[1][0]);
    }

    [Fact]
    public async Task A_fixed_seed_reproduces_the_texts_exactly_and_another_seed_differs()
    {
        var image = ImageInput.FromFile(TinyLlava.Image(0));
        var options = new SamplingOptions { NumSamples = 3, Temperature = 1.0f, MaxNewTokens = 12, Seed = 42 };
        var first = await _model.SampleAsync(image, "Describe this image in detail.", options);
        var second = await _model.SampleAsync(image, "Describe this image in detail.", options);
        Assert.Equal(3, first.Count);
        Assert.Equal(first, second);
        options.Seed = 43;
        var other = await _model.SampleAsync(image, "Describe this image in detail.", options);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task Max_new_tokens_bounds_every_sample_and_cancellation_stops_sampling()
    {
        var image = ImageInput.FromFile(TinyLlava.Image(1));
        var samples = await _model.SampleAsync(image, "Hi", new SamplingOptions { NumSamples = 2, MaxNewTokens = 3, Seed = 1 });
        Assert.All(samples, s => Assert.True(_model.Tokenizer.EncodeText(s).Count <= 6, s));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _model.SampleAsync(image, "Hi", new SamplingOptions { Seed = 1 }, cts.Token));
    }
}
