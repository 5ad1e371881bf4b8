namespace ViGoR.Nlp.Tests;

// Every sentence here is a real caption sentence from RUCAIBox/POPE's caption_data (MIT; see
// Fixtures/README.md), quoted with its file and id, unless a comment says otherwise.
public class NounExtractionTests
{
    private static string[] Lemmas(string text, bool assertedThingsOnly = false) =>
        Fixture.Extractor.Extract(text).Nouns
            .Where(m => !assertedThingsOnly || (m.Kind == NounKind.Thing && m.IsAsserted))
            .Select(m => m.Lemma)
            .ToArray();

    [Fact]
    public void Lemmatises_irregular_plurals_with_wordnet_exceptions()
    {
        // llava 1075, llava 103
        Assert.Equal(["goose"], Lemmas("The image depicts a large group of geese walking through a grassy area.", true));
        var men = Fixture.Mention("The image features two men sitting on a bench, both of them using their cell phones.", "man");
        Assert.Equal(("men", 2), (men.Text, men.Count));
        // mplug 504: people -> person
        Assert.Contains("person", Lemmas("In addition to the bear, there are several other animals visible in the scene, including a bird, a fish, and possibly a dog, as well as a few people around the edge of the pool."));
        // mplug 862: regular plurals, "-es" and "-s"
        Assert.Equal(["cup", "bowl", "spoon"], Lemmas("The scene is set at a dining table, with various items like cups, bowls, and spoons present.", true).Skip(1));
        // mplug 1539: "vases" is vase, not WordNet's "vas"
        Assert.Contains("vase", Lemmas("Additionally, there is a bottle on the table, and a bowl can be spotted near the vases, likely containing more flowers."));
    }

    [Fact]
    public void Keeps_glasses_when_they_name_one_object()
    {
        // llava 241, mplug 737, minigpt-4 1196
        Assert.Equal("glasses", Fixture.Mention("The woman is also wearing glasses, adding to her overall look.", "glasses").Lemma);
        var pair = Fixture.Mention("The woman is also wearing a pair of glasses, which adds another stylish touch to her ensemble.", "glasses");
        Assert.Equal(1, pair.Count);
        var drinking = Fixture.Mention("There are also two glasses of wine on the table.", "glass");
        Assert.Equal((2, NounKind.Thing), (drinking.Count, drinking.Kind));
    }

    [Fact]
    public void Plural_heads_after_plural_determiners_are_nouns_and_plural_names_stay_whole()
    {
        // Instruction2_llava.jsonl ids 700 and 703
        var lights = Fixture.Mention("Above the sink, there are two fancy lights that provide illumination.", "light");
        Assert.Equal((2, NounKind.Thing), (lights.Count, lights.Kind));
        Assert.Equal("wine glasses", Fixture.Mention("The pizzas are accompanied by wine glasses and a fork, suggesting that someone is about to enjoy a meal of pizza and wine.", "wine glass").Text);
    }

    [Theory]
    [InlineData("Numerous cars are parked along the street, and a fire hydrant can be seen at the edge of the scene.", "fire hydrant", "fire hydrant")] // llava 62
    [InlineData("There are several traffic lights visible in the scene, with one in the middle and others on either side of the street.", "traffic light", "traffic lights")] // llava 53
    [InlineData("The image features two men sitting on a bench, both of them using their cell phones.", "cell phone", "cell phones")] // llava 103
    [InlineData("In addition to the bull and the teddy bears, there is a dog positioned near the left side of the image, closer to the viewer.", "teddy bear", "teddy bears")] // llava 23
    [InlineData("The image features a dining table with a couple of hot dogs sitting on a paper plate.", "hot dog", "hot dogs")] // llava 33
    [InlineData("The image features a man standing on a tennis court, holding a tennis racket and taking a swing at a tennis ball.", "tennis racket", "tennis racket")] // llava 8
    [InlineData("The image features a dining table with a partially eaten vegetable pizza on a white plate.", "dining table", "dining table")] // llava 2
    [InlineData("A wine glass and a fork can be seen nearby on the table, suggesting a meal setting.", "wine glass", "wine glass")] // llava 2
    public void Keeps_fixed_multiword_names_as_one_mention(string sentence, string lemma, string surface)
    {
        var mention = Fixture.Mention(sentence, lemma);
        Assert.Equal(surface, mention.Text);
        Assert.Equal(NounKind.Thing, mention.Kind);
        Assert.DoesNotContain(Fixture.Extractor.Extract(sentence).Nouns, m => m.Start > mention.Start && m.Start < mention.End);
    }

    [Fact]
    public void Classifies_things_and_stuff_and_drops_image_talk()
    {
        // llava 0, sentence 1 and 3
        var first = Fixture.OneSentence("The image features a man sitting on a surfboard in the ocean, wearing a wetsuit.").Nouns;
        Assert.Equal(["man", "surfboard", "ocean", "wetsuit"], first.Select(m => m.Lemma));
        Assert.Equal([NounKind.Thing, NounKind.Thing, NounKind.Stuff, NounKind.Thing], first.Select(m => m.Kind));
        Assert.Equal(["surfer"], Lemmas("The surfer is the main focal point of the scene, occupying a significant portion of the image."));
        // llava 1: field and pasture are stuff; side, center, atmosphere, scene, time are not returned
        Assert.Equal(["zebra", "field"], Lemmas("There are three zebras in total, with one positioned on the left side of the field, another in the center, and the third on the right side."));
        Assert.Equal(["pasture", "tree"], Lemmas("They are enjoying their time in the green pasture, surrounded by trees which add to the serene atmosphere of the scene."));
        // llava 3: "moment", "activity", "variety", "number", "group", "experience", "background" never come back
        var imageTalk = Lemmas("There are also several smaller figures in the background representing other people, likely observing the surfer or waiting for their turn to surf.");
        Assert.DoesNotContain("background", imageTalk);
        Assert.DoesNotContain("figure", imageTalk);
        // minigpt-4 1357: the sky and snow are stuff, the sun is a thing, a shade of orange is a colour
        var sky = Fixture.Extractor.Extract("The trees in the background are covered in snow, and the sky is a deep shade of orange and pink.").Nouns;
        Assert.Equal([("tree", NounKind.Thing), ("snow", NounKind.Stuff), ("sky", NounKind.Stuff)], sky.Select(m => (m.Lemma, m.Kind)));
    }

    [Fact]
    public void Resolves_collective_and_partitive_heads_to_their_members()
    {
        // llava 1, llava 97, llava 257, llava 33
        var zebras = Fixture.Mention("The image depicts a group of zebras standing and grazing in a lush, grassy field.", "zebra");
        Assert.Equal(("zebras", (int?)null), (zebras.Text, zebras.Count));
        Assert.Equal(["elephant", "water", "hill", "elephant", "river"], Lemmas("In the image, a herd of elephants is walking out of the water and up the hill, with some of the elephants still in the river."));
        var skis = Fixture.Mention("The image shows a smiling man standing on a snow-covered slope, holding a pair of skis.", "ski");
        Assert.Equal(2, skis.Count);
        Assert.Equal(2, Fixture.Mention("The image features a dining table with a couple of hot dogs sitting on a paper plate.", "hot dog").Count);
        // minigpt-4 2: "a slice of pizza" names pizza, with no count of pizzas
        Assert.Null(Fixture.Mention("The image shows a slice of pizza on a white plate with a fork and knife on the side.", "pizza").Count);
    }

    [Fact]
    public void Reads_stated_counts()
    {
        // llava 1, instructblip 921, llava 103, mplug 0, llava 191
        Assert.Equal(3, Fixture.Mention("There are three zebras in total, with one positioned on the left side of the field, another in the center, and the third on the right side.", "zebra").Count);
        Assert.Equal(2, Fixture.Mention("2 people sitting at a table with a pizza on a plate in front of them", "person").Count);
        Assert.Equal(1, Fixture.Mention("2 people sitting at a table with a pizza on a plate in front of them", "pizza").Count);
        Assert.Equal(1, Fixture.Mention("The image features two men sitting on a bench, both of them using their cell phones.", "bench").Count);
        Assert.Null(Fixture.Mention("There are multiple surfboards visible in the scene, some closer to the man riding the surfboard, while others are scattered across the ocean.", "man").Count);
        Assert.Null(Fixture.Mention("Several other people are visible in the image as well.", "person").Count);
        Assert.Null(Fixture.Mention("A few chairs are scattered around the scene, providing seating for those enjoying the meal.", "chair").Count);
        Assert.Equal(14, Fixture.Mention("14 bananas for $1.49", "banana").Count);
    }

    [Fact]
    public void Flags_negated_mentions()
    {
        // llava 433, llava 545, mplug 189, llava 996, mplug 491, minigpt-4 0
        Assert.True(Fixture.Mention("There are no people visible around the clock tower, adding a sense of solitude to the environment.", "person").Negated);
        Assert.True(Fixture.Mention("There are no people visible around the clock tower, adding a sense of solitude to the environment.", "clock tower").IsAsserted);
        var present = Fixture.Extractor.Extract("There are no people present in the scene, but a cell phone is placed on the desk near the computer.").Nouns;
        Assert.Equal([true, false, false, false], present.Select(m => m.Negated));
        var without = Fixture.Extractor.Extract("It appears to be alone, as the scene only has the giraffe standing on the hill without any other animals or people in sight.").Nouns;
        Assert.Equal([("giraffe", false), ("hill", false), ("animal", true), ("person", true)], without.Select(m => (m.Lemma, m.Negated)));
        Assert.True(Fixture.Mention("The image features a young toddler naked and without shoes, sitting in a grassy area.", "shoe").Negated);
        Assert.True(Fixture.Mention("The bird is not visible in the entire image, but is located on the left side of the dock.", "bird").Negated);
        Assert.True(Fixture.Mention("There are no other objects or people in the image.", "person").Negated);
        // The issue's own example; the captions only have "no people visible/present".
        Assert.True(Fixture.Mention("No cars are visible on the street.", "car").Negated);
    }

    [Fact]
    public void Flags_hedged_mentions_and_leaves_the_rest_asserted()
    {
        // mplug 446, llava 9, llava 44, llava 43, llava 1744, llava 3
        var dog = Fixture.Extractor.Extract("The truck has a unique design, with a cartoon character, possibly a dog, displayed prominently.").Nouns;
        Assert.Equal([("truck", false), ("dog", true)], dog.Select(m => (m.Lemma, m.Hedged)));
        Assert.True(Fixture.Mention("He is wearing a wetsuit and appears to be a surfer preparing for a surfing session.", "surfer").Hedged);
        Assert.False(Fixture.Mention("He is wearing a wetsuit and appears to be a surfer preparing for a surfing session.", "wetsuit").Hedged);
        var likely = Fixture.Extractor.Extract("The image features a person, likely a woman, seated in front of a plate of food on a dining table.").Nouns;
        Assert.Equal([("person", false), ("woman", true), ("plate", false), ("dining table", false)], likely.Select(m => (m.Lemma, m.Hedged)));
        Assert.True(Fixture.Mention("The image features a group of three birds, likely geese, walking across a green lawn near a street.", "goose").Hedged);
        Assert.Equal(3, Fixture.Mention("The image features a group of three birds, likely geese, walking across a green lawn near a street.", "bird").Count);
        // llava 787: a hedged list stays hedged across its commas
        var list = Fixture.Extractor.Extract("In the scene, there are several other people present, possibly spectators, friends, or fellow players.").Nouns;
        Assert.Equal([("person", false), ("spectator", true), ("friend", true), ("player", true)], list.Select(m => (m.Lemma, m.Hedged)));
        // mplug 284: "might be" hedges what follows
        Assert.True(Fixture.Mention("There might also be a few other people in the scene who are not visible in the image.", "person").Hedged);
        // The example; "might be a bus" does not occur in the captions.
        Assert.True(Fixture.Mention("The vehicle in the distance might be a bus.", "bus").Hedged);
        Assert.False(Fixture.Mention("The vehicle in the distance might be a bus.", "vehicle").Hedged);
        // "can be seen" is not a hedge (llava 62)
        Assert.True(Fixture.Mention("Numerous cars are parked along the street, and a fire hydrant can be seen at the edge of the scene.", "fire hydrant").IsAsserted);
    }

    [Fact]
    public void Handles_what_a_review_of_full_captions_found()
    {
        // llava 1500-1503, mplug 1300
        Assert.Equal(["cat", "television set"], Lemmas("A cat is sitting on top of the television set, comfortably occupying the space."));
        Assert.Equal(["motorcycle", "building"], Lemmas("The image features three motorcycles parked side by side in front of a brick building."));
        Assert.Equal(["cup", "bowl", "table"], Lemmas("There are also cups and bowls placed on the table."));
        var seats = Fixture.Extractor.Extract("There are no visible seats in the image, but the passengers are likely seated on the chairs provided in the bus.").Nouns;
        Assert.Equal([("seat", true, false), ("passenger", false, false), ("chair", false, true), ("bus", false, true)], seats.Select(m => (m.Lemma, m.Negated, m.Hedged)));
        Assert.Contains("t-shirt", Lemmas("Apart from the passengers, there is also a person wearing a LLaVA T-shirt, who is seated among the other passengers."));
        Assert.Equal(2, Fixture.Mention("There are two other people visible in the scene, one near the left side, and the other near the right side.", "person").Count);
        // llava 1501: a negation ends where "and" opens a new predicate
        var motorcycles = Fixture.Extractor.Extract("Although the people are present, they are not clearly visible and are possibly standing behind the motorcycles.").Nouns;
        Assert.Equal([("person", false, false), ("motorcycle", false, true)], motorcycles.Select(m => (m.Lemma, m.Negated, m.Hedged)));
    }

    [Fact]
    public void Ignores_proper_names()
    {
        // llava 390
        Assert.Equal(["batter", "home plate", "baseball bat"], Lemmas("The image captures a baseball game in progress, with a batter from the St. Louis Cardinals standing at home plate and holding a baseball bat."));
    }
}
