using Microsoft.Extensions.DependencyInjection;

namespace ViGoR.Nlp.Tests;

public class ExtractorTests
{
    [Fact]
    public async Task Async_and_sync_calls_agree_and_honour_cancellation()
    {
        var text = Fixture.Gold[0].Text;
        var viaAsync = await Fixture.Extractor.ExtractAsync(text);
        Assert.Equal(Fixture.Extractor.Extract(text).Nouns, viaAsync.Nouns);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Fixture.Extractor.ExtractAsync(text, cancelled.Token).AsTask());
    }

    private sealed class PassThrough(INounExtractor inner) : DelegatingNounExtractor(inner);

    [Fact]
    public async Task A_delegating_wrapper_keeps_the_answers_and_the_journal_identity()
    {
        var text = Fixture.Gold[0].Text;
        var wrapped = new PassThrough(Fixture.Extractor);

        Assert.Equal((await Fixture.Extractor.ExtractAsync(text)).Nouns, (await wrapped.ExtractAsync(text)).Nouns);
        Assert.Equal(ComponentIdentity.Of(Fixture.Extractor), ComponentIdentity.Of(wrapped));
        Assert.Same(Fixture.Extractor, wrapped.GetService<WordNetNounExtractor>());
    }

    [Fact]
    public void Parallel_callers_get_the_same_results_as_one_caller()
    {
        var texts = Fixture.Gold.Select(g => g.Text).ToArray();
        var expected = texts.Select(t => Fixture.Extractor.Extract(t).Nouns.ToList()).ToArray();
        var actual = new List<NounMention>[texts.Length * 8];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = Fixture.Extractor.Extract(texts[i % texts.Length]).Nouns.ToList());
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i % texts.Length], actual[i]);
        }
    }

    [Fact]
    public void Survives_pathological_input()
    {
        var longWord = new string('a', 200_000);
        var text = $"A dog sat on {longWord}. {new string('.', 5000)} A cat\n\n\n- \n1.";
        var parsed = Fixture.Extractor.Extract(text);
        Assert.Contains(parsed.Nouns, m => m.Lemma == "dog");
        Assert.Contains(parsed.Nouns, m => m.Lemma == "cat");
        Assert.All(parsed.Sentences, s => Assert.Equal(text[s.Start..s.End], s.Text));
        var many = string.Join(' ', Enumerable.Repeat("a dog and", 5000));
        Assert.Equal(5000, Fixture.Extractor.Extract(many).Nouns.Count());
    }

    [Fact]
    public void Options_add_and_remove_words()
    {
        // llava 982: "paddle" is a thing by default; a user can declare it not visual, and add a word WordNet lacks.
        const string sentence = "He stands confidently on the surfboard, holding a paddle to navigate through the water.";
        var options = new WordNetNounExtractorOptions();
        options.NotVisualWords.Add("paddle");
        options.StuffWords.Add("surfboard");
        var custom = new WordNetNounExtractor(options);
        options.NotVisualWords.Clear(); // copied at construction
        var nouns = custom.Extract(sentence).Nouns.ToList();
        Assert.Equal([("surfboard", NounKind.Stuff), ("water", NounKind.Stuff)], nouns.Select(m => (m.Lemma, m.Kind)));

        var drone = new WordNetNounExtractorOptions();
        drone.ThingWords.Add("quadcopter");
        Assert.Equal(["quadcopter"], new WordNetNounExtractor(drone).Extract("A quadcopter hovers above.").Nouns.Select(m => m.Lemma));
        Assert.Empty(Fixture.Extractor.Extract("A quadcopter hovers above.").Nouns);
    }

    [Fact]
    public void Coco_words_that_wordnet_lacks_are_things_unless_switched_off()
    {
        // "skimboard" is in CHAIR's COCO table (surfboard) but not in WordNet 3.0.
        const string sentence = "A boy is riding a skimboard near the shore.";
        Assert.Contains(Fixture.Extractor.Extract(sentence).Nouns, m => m.Lemma == "skimboard" && m.Kind == NounKind.Thing);
        var withoutCoco = new WordNetNounExtractor(new WordNetNounExtractorOptions { IncludeCocoVocabulary = false });
        Assert.DoesNotContain(withoutCoco.Extract(sentence).Nouns, m => m.Lemma == "skimboard");
    }

    [Fact]
    public void Registers_as_the_pipeline_noun_extractor_singleton()
    {
        var services = new ServiceCollection();
        services.AddViGoR().UseWordNetNounExtractor(o => o.ThingWords.Add("quadcopter"));
        using var provider = services.BuildServiceProvider();
        var extractor = provider.GetRequiredService<INounExtractor>();
        Assert.IsType<WordNetNounExtractor>(extractor);
        Assert.Same(extractor, provider.GetRequiredService<INounExtractor>());
        Assert.Equal(["quadcopter"], ((WordNetNounExtractor)extractor).Extract("A quadcopter hovers above.").Nouns.Select(m => m.Lemma));
    }
}
