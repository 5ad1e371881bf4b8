using System.Collections.Frozen;

namespace ViGoR.Nlp;

/// <summary>
/// Hand-curated lists that WordNet cannot give: function words, the words of image talk that are
/// not objects, amorphous stuff, collective and partitive heads, cues of negation and hedging.
/// Chosen from the captions of LLaVA, MiniGPT-4, mPLUG-Owl and InstructBLIP (POPE's caption data).
/// </summary>
internal static class CuratedWords
{
    /// <summary>The closed-class words the parser recognises without WordNet (which lists only open classes), with their tag.</summary>
    public static readonly FrozenDictionary<string, Tag> Closed = BuildClosed();

    /// <summary>Number words and their values.</summary>
    public static readonly FrozenDictionary<string, int> Numbers = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8, ["nine"] = 9,
        ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16,
        ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19, ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50,
        ["hundred"] = 100, ["dozen"] = 12,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Determiners and quantifiers that state a count of one or two.</summary>
    public static readonly FrozenDictionary<string, int> CountingDeterminers = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["a"] = 1, ["an"] = 1, ["another"] = 1, ["single"] = 1, ["lone"] = 1, ["both"] = 2,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Collective and partitive heads: "a group of zebras" names zebras. The value multiplies the count (0: unknown).</summary>
    public static readonly FrozenDictionary<string, int> Collectives = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["pair"] = 2, ["couple"] = 2, ["trio"] = 3, ["dozen"] = 12,
        ["group"] = 0, ["herd"] = 0, ["flock"] = 0, ["crowd"] = 0, ["bunch"] = 0, ["pack"] = 0, ["team"] = 0, ["family"] = 0,
        ["pile"] = 0, ["stack"] = 0, ["set"] = 0, ["collection"] = 0, ["row"] = 0, ["line"] = 0, ["array"] = 0, ["assortment"] = 0,
        ["variety"] = 0, ["number"] = 0, ["lot"] = 0, ["lots"] = 0, ["plenty"] = 0, ["cluster"] = 0, ["bundle"] = 0, ["fleet"] = 0,
        ["swarm"] = 0, ["school"] = 0, ["litter"] = 0, ["troop"] = 0, ["gaggle"] = 0, ["selection"] = 0, ["range"] = 0,
        ["series"] = 0, ["handful"] = 0, ["kind"] = 0, ["type"] = 0, ["sort"] = 0, ["species"] = 0, ["breed"] = 0, ["style"] = 0,
        ["piece"] = 0, ["slice"] = 0, ["bit"] = 0, ["chunk"] = 0, ["amount"] = 0, ["quantity"] = 0, ["majority"] = 0,
        ["heap"] = 0, ["mound"] = 0, ["batch"] = 0, ["arrangement"] = 0, ["mix"] = 0, ["mixture"] = 0, ["combination"] = 0,
        ["multitude"] = 0, ["mass"] = 0, ["host"] = 0, ["abundance"] = 0, ["plethora"] = 0, ["display"] = 0, ["bouquet"] = 0,
        ["assembly"] = 0, ["gathering"] = 0, ["lineup"] = 0, ["procession"] = 0, ["convoy"] = 0, ["queue"] = 0,
        ["colony"] = 0, ["pod"] = 0, ["brood"] = 0, ["stream"] = 0, ["sea"] = 0, ["few"] = 0, ["handfuls"] = 0, ["layer"] = 0,
        ["serving"] = 0, ["portion"] = 0, ["section"] = 0, ["part"] = 0, ["remains"] = 0, ["strand"] = 0, ["lock"] = 0, ["tuft"] = 0, ["sprig"] = 0, ["clump"] = 0, ["patch"] = 0, ["image"] = 0, ["picture"] = 0, ["photo"] = 0,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Plural-only nouns that name one object ("glasses", "scissors"): kept as they are.</summary>
    public static readonly FrozenSet<string> PluralOnly = new[]
    {
        "glasses", "sunglasses", "eyeglasses", "spectacles", "scissors", "pants", "jeans", "shorts", "trousers", "goggles",
        "binoculars", "headphones", "earphones", "tongs", "pliers", "pajamas", "overalls", "tights", "leggings", "clippers",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Irregular plurals WordNet lists as lemmas in their own right but which captions use as plurals.</summary>
    public static readonly FrozenDictionary<string, string> Plurals = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["people"] = "person", ["persons"] = "person", ["individual"] = "person", ["individuals"] = "person", ["personnel"] = "person", ["folks"] = "person", ["cattle"] = "cow", ["police"] = "police officer",
        ["skis"] = "ski", ["teeth"] = "tooth", ["dice"] = "die", ["mice"] = "mouse", ["geese"] = "goose", ["oxen"] = "ox",
        ["leaves"] = "leaf", ["knives"] = "knife", ["shelves"] = "shelf", ["loaves"] = "loaf", ["wolves"] = "wolf", ["calves"] = "calf",
        ["halves"] = "half", ["scarves"] = "scarf", ["hooves"] = "hoof", ["women"] = "woman", ["men"] = "man", ["children"] = "child",
        ["sheep"] = "sheep", ["fish"] = "fish", ["deer"] = "deer", ["bison"] = "bison", ["donuts"] = "donut", ["doughnuts"] = "donut",
        ["tvs"] = "tv", ["remotes"] = "remote", ["frisbees"] = "frisbee", ["laptops"] = "laptop",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Words of image talk, places, parts and abstractions: never returned, whatever WordNet says.</summary>
    public static readonly FrozenSet<string> NotVisual = new[]
    {
        "image", "picture", "photo", "photograph", "scene", "view", "shot", "frame", "snapshot", "depiction", "composition", "illustration",
        "atmosphere", "ambiance", "ambience", "mood", "vibe", "feel", "feeling", "sense", "background", "foreground", "backdrop", "setting",
        "environment", "surroundings", "surrounding", "landscape", "scenery", "side", "left", "right", "center", "centre", "middle",
        "front", "back", "top", "bottom", "edge", "corner", "end", "part", "portion", "section", "area", "space", "spot", "place",
        "location", "position", "distance", "direction", "moment", "time", "day", "night", "evening", "morning", "afternoon",
        "activity", "activities", "action", "event", "occasion", "experience", "variety", "number", "group", "couple", "pair", "lot",
        "kind", "type", "sort", "style", "way", "manner", "detail", "details", "element", "feature", "aspect", "focus", "point",
        "attention", "interest", "presence", "appearance", "look", "color", "colour", "shade", "shape", "size", "pattern", "design",
        "texture", "touch", "charm", "beauty", "character", "contrast", "balance", "harmony", "sight", "purpose", "use", "function",
        "answer", "question", "description", "effect", "hub", "architecture", "infrastructure", "weather condition", "balanced diet", "diet", "ascent", "load", "haircut", "art", "horseback", "base", "entrance", "product", "products", "covering", "graphic", "graphics", "footage", "video", "website", "internet", "body", "come", "gather", "feed", "pop", "helping", "hanging", "working", "facing", "forward", "downhill", "lower", "necessary", "essential", "local", "transportation", "structure", "bubbly", "transport", "material", "liquid", "energy", "stripe", "stripes", "spots", "marking", "markings", "camouflage", "symbol", "focal point", "outdoors", "indoors", "center of attention", "point of view", "caption", "note", "idea", "impression", "overall", "total", "amount", "quantity",
        "life", "lifestyle", "fun", "enjoyment", "excitement", "adventure", "leisure", "relaxation", "comfort", "warmth", "joy",
        "game", "match", "sport", "sports", "competition", "play", "performance", "meal", "lunch", "dinner", "breakfast", "snack",
        "item", "items", "object", "objects", "thing", "things", "stuff", "belongings", "equipment", "gear", "supplies", "surface",
        "level", "layer", "line", "row", "series", "collection", "selection", "assortment", "array", "range", "arrangement",
        "display", "combination", "mix", "mixture", "set", "variety", "majority", "rest", "others", "other", "one", "ones", "who",
        "figure", "figures", "member", "members", "entity", "subject", "subjects", "character",
        "lighting", "light", "shadow", "shadows", "reflection", "silhouette", "glow", "daylight", "sunlight", "sunshine",
        "weather", "season", "summer", "winter", "spring", "autumn", "fall", "scale", "height", "length", "width", "angle",
        "close-up", "closeup", "perspective", "vantage", "path", "journey", "trip", "ride", "walk", "turn", "break", "rest",
        "motion", "movement", "speed", "skill", "balance", "pose", "posture", "expression", "smile", "attire", "clothing",
        "clothes", "setup", "layout", "interior", "exterior", "decor", "decoration", "decorations",
        "vicinity", "proximity", "periphery", "outskirts", "horizon", "skyline", "distance", "surrounding", "neighborhood",
        "community", "city", "town", "village", "urban", "country", "countryside", "nature", "wildlife", "habitat", "region",
        "territory", "zone", "venue", "site", "premises", "establishment", "facility", "station", "stadium", "arena", "market",
        "restaurant", "cafe", "bakery", "shop", "store", "office", "home", "hotel", "airport", "zoo", "farm", "garden", "yard",
        "park", "playground", "campus", "intersection", "crossing", "traffic", "trail", "route", "lane", "parking", "bit", "piece",
        "slice", "chunk", "serving", "meal", "dish", "course", "cuisine", "food", "foods", "treat",
        "dessert", "toppings", "topping", "ingredient", "ingredients", "portion", "word", "words", "text", "letter",
        "letters", "message", "logo", "brand", "advertisement", "writing", "numbers", "name", "date", "year", "hour",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Amorphous regions and materials: returned with kind stuff, never queried as objects.</summary>
    public static readonly FrozenSet<string> Stuff = new[]
    {
        "sky", "grass", "water", "ocean", "sea", "lake", "river", "pond", "road", "street", "snow", "field", "sand", "ground",
        "floor", "wall", "walls", "ceiling", "dirt", "mud", "pavement", "sidewalk", "asphalt", "concrete", "gravel", "stone",
        "beach", "shore", "shoreline", "coast", "waterfront", "hill", "hillside", "slope", "mountain", "mountains", "forest",
        "woods", "jungle", "desert", "meadow", "pasture", "lawn", "turf", "terrain", "land", "soil", "rock", "rocks", "hay",
        "straw", "foliage", "greenery", "vegetation", "bush", "bushes", "shrub", "shrubbery", "hedge", "weeds", "leaves", "moss",
        "cloud", "clouds", "fog", "mist", "smoke", "steam", "fire", "flame", "rain", "ice", "wave", "waves", "surf", "tide",
        "hair", "fur", "skin", "wool", "feather", "feathers", "mane", "beard", "mustache", "wood", "metal", "plastic", "paper",
        "cardboard", "fabric", "cloth", "leather", "brick", "bricks", "tile", "tiles", "marble", "granite", "carpet", "rug",
        "wallpaper", "paint", "coffee", "tea", "milk", "juice", "wine", "beer", "soda", "soup", "sauce", "cream",
        "frosting", "icing", "sugar", "flour", "butter", "dough", "cheese", "meat", "rice", "pasta", "spaghetti", "noodles",
        "salad", "bread", "chocolate", "whipped cream", "syrup", "honey", "oil", "vinegar", "ketchup", "mustard", "mayonnaise",
        "broth", "gravy", "jam", "jelly", "yogurt", "cereal", "oatmeal", "seafood", "chicken", "beef", "pork", "ham", "bacon",
        "sausage", "pepperoni", "lettuce", "spinach", "kale", "celery", "cabbage", "garlic", "herbs", "spices", "dressing",
        "air", "runway", "tarmac", "track", "tracks", "railway", "railroad", "highway", "freeway", "driveway", "alley", "path",
        "court", "pitch", "rink", "slope", "snowfield", "beachfront", "harbor", "harbour", "dock", "pier", "room",
        "kitchen", "bathroom", "bedroom", "living room", "dining room", "hallway", "hall", "lobby", "courtyard", "patio",
        "porch", "balcony", "deck", "seating", "walkway", "stream", "roadway", "classroom", "restroom", "trash", "doorway", "plain", "plains", "cargo", "freight", "sprinkle", "sprinkles", "tennis court", "basketball court", "blue sky", "cold weather", "platform", "countertop", "tabletop", "pavement", "crosswalk", "median", "curb", "snowy", "lawn", "storefront", "facade", "roof", "rooftop", "scaffolding", "tree line",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Objects WordNet misses or misfiles (trademarks, modern words, senses that rank below abstract ones).</summary>
    public static readonly FrozenSet<string> Things = new[]
    {
        "frisbee", "wetsuit", "smartphone", "iphone", "ipad", "tablet", "selfie stick", "skateboarder", "snowboarder", "skier",
        "surfer", "painting", "drawing", "poster", "artwork", "table", "desk", "tv", "television", "monitor",
        "screen", "remote", "keyboard", "mouse", "laptop", "computer", "phone", "cellphone", "cell phone", "bat", "racket",
        "racquet", "glove", "mitt", "helmet", "cap", "hat", "bag", "backpack", "handbag", "purse", "suitcase", "luggage",
        "umbrella", "kite", "ball", "tie", "bench", "chair", "couch", "sofa", "bed", "toilet", "sink", "oven", "stove",
        "microwave", "toaster", "refrigerator", "fridge", "book", "clock", "vase", "scissors", "toothbrush", "teddy bear",
        "hair drier", "hairdryer", "bottle", "cup", "mug", "fork", "knife", "spoon", "bowl", "plate", "banana", "apple",
        "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "doughnut", "cake", "cupcake", "person",
        "man", "woman", "child", "boy", "girl", "kid", "baby", "player", "dog", "cat", "horse", "cow", "sheep", "bird",
        "elephant", "bear", "zebra", "giraffe", "car", "bus", "truck", "train", "boat", "airplane", "plane", "motorcycle",
        "bicycle", "bike", "traffic light", "fire hydrant", "stop sign", "parking meter", "ski", "skis", "snowboard",
        "skateboard", "surfboard", "tree", "trees", "building", "window", "door", "lamp", "light fixture", "street light",
        "streetlight", "pole", "fence", "flower", "flowers", "plant", "potted plant", "vegetable", "vegetables", "fruit",
        "sign", "shirt", "jacket", "coat", "dress", "skirt", "shoe", "shoes", "boot", "sock", "tent", "towel", "curtain",
        "pillow", "blanket", "mirror", "shelf", "cabinet", "drawer", "counter", "basket", "box", "tray", "jar", "pot", "pan",
        "napkin", "candle", "camera", "tower", "bridge", "statue", "fountain", "van", "taxi", "suv", "jeep", "scooter",
        "ship", "sailboat", "canoe", "kayak", "yacht", "airliner", "jet", "helicopter", "tractor", "cart", "wagon", "carriage",
        "saddle", "leash", "collar", "toy", "doll", "stuffed animal", "glasses", "sunglasses", "bracelet", "necklace", "watch",
        "ring", "earring", "headphones", "microphone", "speaker", "guitar", "piano", "sculpture", "banner", "flag", "kiosk",
        "booth", "stand", "stall", "cone", "barrier", "trash can", "bin", "dumpster", "mailbox", "lamppost", "hydrant",
        "chef", "police officer", "officer", "worker", "passenger", "rider", "pedestrian", "tourist", "spectator", "catcher",
        "batter", "pitcher", "umpire", "referee", "egg", "eggs", "tomato", "potato", "onion",
        "pepper", "lemon", "lime", "grape", "strawberry", "cookie", "muffin", "bagel", "pastry", "pie", "burger", "hamburger",
        "fries", "taco", "burrito", "sushi", "animal", "creature", "vehicle", "board", "escalator", "staircase", "street sign", "label", "sticker", "lunchbox", "paddleboard", "drink", "beverage", "uniform", "outfit", "costume", "mouse pad", "mp3 player", "motorbike", "pet", "puppy", "kitten", "cow", "goat", "duck",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Words that name light or matter when singular but objects when plural ("the lights on the ceiling").</summary>
    public static readonly FrozenSet<string> ThingsWhenPlural = new[] { "light", "paper", "rock", "stone" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Fruit and food names that are also colours: objects only when counted.</summary>
    public static readonly FrozenSet<string> ColorNouns = new[]
    {
        "orange", "lime", "peach", "olive", "cherry", "plum", "lemon", "lavender", "salmon", "chocolate", "cream", "coral", "tan",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Verbs and adjectives that, after a negation, make the subject absent ("no people are visible", "cars are not present").</summary>
    public static readonly FrozenSet<string> Existence = new[]
    {
        "visible", "present", "seen", "shown", "there", "depicted", "apparent", "noticeable", "spotted", "found", "evident",
        "observed", "pictured", "included", "featured", "in sight", "available", "around",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Words that put what follows them (to the end of the clause) in doubt.</summary>
    public static readonly FrozenSet<string> HedgeCues = new[]
    {
        "possibly", "probably", "likely", "perhaps", "maybe", "presumably", "apparently", "seemingly", "potentially", "supposedly",
        "might", "may", "could", "appears", "appear", "appeared", "appearing", "seems", "seem", "seemed", "seeming",
        "suggesting", "suggests", "suggest", "suggested", "indicating", "indicates", "implying", "implies", "possible", "probable",
        "unclear", "uncertain", "resembles", "resembling", "resemble", "guess", "assume", "presumed", "perhaps", "plausibly",
        "hinting", "hints", "unlikely", "unsure", "whether", "if",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Words that deny what follows them to the end of the clause.</summary>
    public static readonly FrozenSet<string> NegationCues = new[]
    {
        "not", "n't", "never", "neither", "nor", "none", "nothing", "nobody", "without", "lacks", "lack", "lacking", "absent",
        "devoid", "cannot", "absence",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static FrozenDictionary<string, Tag> BuildClosed()
    {
        var d = new Dictionary<string, Tag>(StringComparer.Ordinal);
        void Add(Tag c, params string[] words)
        {
            foreach (var w in words)
            {
                d[w] = c;
            }
        }

        Add(Tag.Determiner, "a", "an", "the", "this", "that", "these", "those", "his", "her", "their", "its", "my", "your", "our",
            "another", "each", "every", "either", "neither", "no", "any", "which", "whose", "what", "such");
        Add(Tag.Quantifier, "some", "several", "many", "few", "both", "all", "various", "multiple", "numerous", "most", "more",
            "much", "less", "fewer", "enough", "other", "single", "lone", "countless", "assorted", "different", "additional", "extra",
            "half");
        Add(Tag.Pronoun, "i", "you", "he", "she", "it", "we", "they", "me", "him", "us", "them", "himself", "herself", "itself",
            "themselves", "someone", "somebody", "something", "anyone", "anything", "everyone", "everything", "nobody", "nothing",
            "none", "who", "whom", "one", "ones", "others", "mine", "yours", "hers", "theirs", "ours", "each other");
        Add(Tag.Existential, "there");
        Add(Tag.Preposition, "in", "on", "at", "of", "with", "without", "near", "by", "from", "into", "onto", "under", "over",
            "above", "below", "beneath", "underneath", "behind", "beside", "besides", "between", "among", "amongst", "around",
            "through", "throughout", "across", "along", "alongside", "against", "toward", "towards", "upon", "within", "inside",
            "outside", "atop", "past", "beyond", "via", "during", "for", "about", "like", "unlike", "including", "despite", "amid",
            "amidst", "off", "up", "down", "out", "except", "per", "than", "onto", "next", "close", "underneath", "aboard");
        Add(Tag.Conjunction, "and", "or", "but", "nor", "plus", "&");
        Add(Tag.Subordinator, "while", "whereas", "although", "though", "because", "since", "as", "when", "where", "if",
            "whether", "so", "which", "that", "who", "whom", "unless", "until", "after", "before", "once", "then");
        Add(Tag.Be, "is", "are", "was", "were", "be", "been", "being", "am", "'s", "'re", "'m");
        Add(Tag.Have, "has", "have", "had", "having", "'ve");
        Add(Tag.Do, "do", "does", "did");
        Add(Tag.Modal, "can", "could", "may", "might", "will", "would", "should", "must", "shall", "cannot", "'ll", "'d");
        Add(Tag.To, "to");
        Add(Tag.Negation, "not", "n't", "never");
        Add(Tag.Adverb, "also", "very", "quite", "too", "just", "only", "even", "still", "really", "rather", "somewhat",
            "fairly", "pretty", "slightly", "partially", "partly", "mostly", "almost", "nearly", "about", "approximately",
            "possibly", "probably", "likely", "perhaps", "maybe", "presumably", "apparently", "seemingly", "potentially",
            "additionally", "furthermore", "moreover", "however", "overall", "together", "here", "now", "again", "already",
            "always", "often", "usually", "currently", "clearly", "well", "away", "nearby", "closely", "further", "farther",
            "alongside", "respectively", "especially", "closer", "nearer", "straight", "ahead", "alone", "upright", "apart", "particularly", "either", "yet", "else", "instead", "ever");
        // Adjectives that are also nouns or verbs in WordNet ("a present", "to present") but in captions describe presence.
        Add(Tag.Adjective, "visible", "present", "noticeable", "prominent");
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
