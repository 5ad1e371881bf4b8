namespace ViGoR.Nlp.Tests;

public class SentenceSplitterTests
{
    private static string[] Sentences(string text) => Fixture.Extractor.Extract(text).Sentences.Select(s => s.Text).ToArray();

    [Fact]
    public void Splits_a_real_llava_caption_with_a_blank_line_into_its_sentences()
    {
        // Instruction1_llava.jsonl id 0 (RUCAIBox/POPE, MIT).
        const string text = "The image features a man sitting on a surfboard in the ocean, wearing a wetsuit. He is skillfully navigating the waves and appears to be waiting for the next wave to come. The surfer is the main focal point of the scene, occupying a significant portion of the image.\n\nThere are also several smaller figures in the background representing other people, likely observing the surfer or waiting for their turn to surf. The ocean scene is filled with a sense of adventure and excitement, as the surfer takes on the challenge of riding the waves.";
        var sentences = Sentences(text);
        Assert.Equal(5, sentences.Length);
        Assert.Equal("He is skillfully navigating the waves and appears to be waiting for the next wave to come.", sentences[1]);
        Assert.StartsWith("There are also several smaller figures", sentences[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Keeps_abbreviations_and_decimals_inside_sentences()
    {
        // Instruction1_llava.jsonl id 390 and Instruction1_llava.jsonl id 783 (RUCAIBox/POPE, MIT).
        Assert.Single(Sentences("The image captures a baseball game in progress, with a batter from the St. Louis Cardinals standing at home plate and holding a baseball bat."));
        Assert.Equal(2, Sentences("A sign is visible on the sidewalk, advertising for a parking spot for $10.00. A parking meter is located close to the sign, allowing people to pay for their parking easily.").Length);
        // Titles and Latin abbreviations do not occur in the captions; these check the rule itself.
        Assert.Single(Sentences("Mr. Smith holds a cup, e.g. a mug."));
        Assert.Equal(2, Sentences("There are plates, cups, etc. The table is wooden.").Length);
    }

    [Fact]
    public void Reads_text_without_a_final_period_as_a_sentence()
    {
        // Instruction1_instructblip.jsonl ids 0 and 551 (RUCAIBox/POPE, MIT).
        Assert.Equal(["1 man surfing in the ocean"], Sentences("1 man surfing in the ocean"));
        Assert.Equal(["14 bananas for $1.49"], Sentences("14 bananas for $1.49"));
        Assert.Equal(["A dog.", "A cat on a mat"], Sentences("A dog. A cat on a mat  \n"));
    }

    [Fact]
    public void Splits_numbered_lists_and_keeps_the_number_with_its_item()
    {
        // Instruction1_minigpt-4.jsonl id 229 (RUCAIBox/POPE, MIT).
        const string text = "The image shows several brown mugs filled with a liquid substance on a metal rack. There is a bowl of green apples next to the mugs.\n\n1. What is in the mugs?\n\nThe mugs contain a liquid substance.\n\n2. What color are the mugs?\n\nThe mugs are brown in color.";
        Assert.Equal(
            [
                "The image shows several brown mugs filled with a liquid substance on a metal rack.",
                "There is a bowl of green apples next to the mugs.",
                "1. What is in the mugs?",
                "The mugs contain a liquid substance.",
                "2. What color are the mugs?",
                "The mugs are brown in color.",
            ],
            Sentences(text));
    }

    [Fact]
    public void Splits_bulleted_lines_without_periods()
    {
        // LVLMs answer with bullets; none occur in the POPE captions, so this shape is written here.
        Assert.Equal(["Objects:", "- a red car", "- two dogs", "* a bench"], Sentences("Objects:\n- a red car\n- two dogs\n* a bench"));
        Assert.Equal(["1.\nA dog on a bench."], Sentences("1.\nA dog on a bench."));
    }

    [Fact]
    public void Every_sentence_is_its_span_of_the_text_and_gaps_are_white_space()
    {
        foreach (var caption in Fixture.Gold)
        {
            var parsed = Fixture.Extractor.Extract(caption.Text);
            var previousEnd = 0;
            foreach (var sentence in parsed.Sentences)
            {
                Assert.Equal(caption.Text[sentence.Start..sentence.End], sentence.Text);
                Assert.True(string.IsNullOrWhiteSpace(caption.Text[previousEnd..sentence.Start]), $"{caption.Id}: non-space gap before '{sentence.Text}'");
                Assert.False(char.IsWhiteSpace(sentence.Text[0]) || char.IsWhiteSpace(sentence.Text[^1]));
                foreach (var noun in sentence.Nouns)
                {
                    Assert.Equal(caption.Text[noun.Start..noun.End], noun.Text);
                    Assert.InRange(noun.Start, sentence.Start, sentence.End);
                }

                previousEnd = sentence.End;
            }

            Assert.True(string.IsNullOrWhiteSpace(caption.Text[previousEnd..]));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n\n ")]
    public void White_space_gives_no_sentences(string text) => Assert.Empty(Fixture.Extractor.Extract(text).Sentences);

    [Fact]
    public void The_public_splitter_gives_the_same_spans()
    {
        const string text = "A dog. A cat.\n\nA bird";
        Assert.Equal([(0, 6), (7, 13), (15, 21)], SentenceSplitter.Split(text));
    }
}
