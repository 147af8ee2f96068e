/**
 * The word lists behind the demo catalog. One list feeds three things, so they cannot disagree:
 * the generated products (generate-catalog.ts), the rules file that filters them (demoRules) and the tiny
 * model's vocabulary and synonym groups (models/tiny-model.ts).
 *
 * Canonical values are what a product's field holds; the phrases are how shoppers write them. A phrase may map to
 * one value only (parseRules rejects a clash), so e.g. "khaki" is a colour and never a material.
 * Brands are invented.
 */

export type Department = 'men' | 'women' | 'kids';
export type SizeScheme = 'shoe' | 'apparel' | 'one-size' | 'none';

export interface CategorySpec {
  /** The `category` value and its synonyms in the rules file. */
  readonly canonical: string;
  readonly phrases: readonly string[];
  /** Nouns used in titles, title case. */
  readonly nouns: readonly string[];
  /** Product-line names put after the brand ("Kestrel Tempo Runner"). */
  readonly styles: readonly string[];
  readonly materials: readonly string[];
  readonly colors: readonly string[];
  readonly departments: readonly Department[];
  readonly sizes: SizeScheme;
  /** Typical price range in dollars, before the brand's tier. */
  readonly price: readonly [min: number, max: number];
  /** Description sentences; "{noun}", "{color}", "{material}" are filled in. */
  readonly features: readonly string[];
}

export const COLORS: Readonly<Record<string, readonly string[]>> = {
  black: ['black', 'jet black'],
  white: ['white', 'bright white'],
  grey: ['grey', 'gray', 'heather grey', 'heather gray'],
  charcoal: ['charcoal', 'dark grey', 'dark gray'],
  navy: ['navy', 'navy blue', 'dark blue'],
  blue: ['blue', 'light blue', 'sky blue', 'royal blue'],
  red: ['red', 'crimson', 'scarlet'],
  burgundy: ['burgundy', 'maroon', 'oxblood'],
  pink: ['pink', 'blush', 'dusty pink'],
  purple: ['purple', 'violet', 'lavender'],
  green: ['green', 'forest green', 'emerald'],
  olive: ['olive', 'olive green', 'army green'],
  yellow: ['yellow', 'mustard'],
  orange: ['orange', 'rust', 'burnt orange'],
  brown: ['brown', 'chocolate', 'cognac'],
  tan: ['tan', 'camel'],
  beige: ['beige', 'khaki', 'stone'],
  cream: ['cream', 'ivory', 'off white', 'off-white'],
};

export const MATERIALS: Readonly<Record<string, readonly string[]>> = {
  leather: ['leather', 'genuine leather', 'full grain leather'],
  suede: ['suede'],
  canvas: ['canvas'],
  mesh: ['mesh', 'knit mesh'],
  cotton: ['cotton', 'organic cotton'],
  wool: ['wool', 'merino', 'merino wool'],
  cashmere: ['cashmere'],
  linen: ['linen'],
  denim: ['denim'],
  polyester: ['polyester', 'recycled polyester'],
  nylon: ['nylon', 'ripstop'],
  fleece: ['fleece'],
  silk: ['silk'],
  rubber: ['rubber'],
  ceramic: ['ceramic', 'stoneware', 'porcelain'],
  glass: ['glass'],
  oak: ['oak', 'solid oak'],
  walnut: ['walnut'],
  teak: ['teak'],
  'stainless steel': ['stainless steel', 'steel'],
  aluminum: ['aluminum', 'aluminium'],
  'cast iron': ['cast iron'],
  bamboo: ['bamboo'],
  velvet: ['velvet'],
  jute: ['jute'],
};

export const DEPARTMENTS: Readonly<Record<Department, readonly string[]>> = {
  men: ['men', 'mens', "men's", 'for him'],
  women: ['women', 'womens', "women's", 'ladies', 'for her'],
  kids: ['kids', "kids'", 'children', "children's", 'boys', 'girls'],
};

/** A brand, its phrases in the rules file, what it makes and its price tier (a multiplier). */
export interface BrandSpec {
  readonly name: string;
  readonly phrases: readonly string[];
  readonly categories: readonly string[];
  readonly tier: number;
}

const APPAREL_COLORS = ['black', 'white', 'grey', 'charcoal', 'navy', 'blue', 'red', 'burgundy', 'pink', 'green', 'olive', 'yellow', 'beige', 'cream'];
const SHOE_COLORS = ['black', 'white', 'grey', 'navy', 'blue', 'red', 'green', 'brown', 'tan', 'beige'];
const LEATHER_COLORS = ['black', 'brown', 'tan', 'burgundy', 'olive', 'navy'];
const HOME_COLORS = ['black', 'white', 'grey', 'charcoal', 'navy', 'green', 'olive', 'beige', 'cream', 'brown', 'orange', 'blue', 'pink', 'yellow'];
const WOOD_COLORS = ['brown', 'black', 'white', 'tan', 'grey'];

export const CATEGORIES: readonly CategorySpec[] = [
  {
    canonical: 'sneakers', phrases: ['sneaker', 'trainer', 'running shoe', 'tennis shoe', 'kicks'],
    nouns: ['Sneakers', 'Running Shoes', 'Trainers', 'Court Sneakers'], styles: ['Tempo', 'Stride', 'Court Classic', 'Pacer', 'Drift', 'Apex Runner'],
    materials: ['mesh', 'leather', 'suede', 'canvas'], colors: SHOE_COLORS, departments: ['men', 'women', 'kids'], sizes: 'shoe', price: [45, 160],
    features: ['Cushioned midsole for all-day comfort.', 'Breathable {material} upper keeps feet cool.', 'Grippy rubber outsole for city streets and the track.', 'Lightweight build made for daily runs.', 'Padded collar and a secure lace-up fit.'],
  },
  {
    canonical: 'boots', phrases: ['boot', 'ankle boot', 'chelsea boot', 'hiking boot', 'combat boot'],
    nouns: ['Boots', 'Chelsea Boots', 'Hiking Boots', 'Ankle Boots', 'Work Boots'], styles: ['Ridgeline', 'Timber', 'Harlow', 'Summit', 'Cobble'],
    materials: ['leather', 'suede', 'rubber'], colors: LEATHER_COLORS, departments: ['men', 'women', 'kids'], sizes: 'shoe', price: [70, 260],
    features: ['Waterproof {material} that stands up to rain and snow.', 'Lug sole for traction on wet trails.', 'Cushioned footbed for long days on your feet.', 'Pull tab and side zip for easy on and off.', 'Stitched welt construction built to last for years.'],
  },
  {
    canonical: 'sandals', phrases: ['sandal', 'slide', 'flip flop', 'flip-flop'],
    nouns: ['Sandals', 'Slides', 'Flip Flops', 'Strappy Sandals'], styles: ['Coast', 'Lagoon', 'Sunday', 'Palma'],
    materials: ['leather', 'rubber', 'suede'], colors: SHOE_COLORS, departments: ['men', 'women', 'kids'], sizes: 'shoe', price: [20, 110],
    features: ['Contoured footbed for summer comfort.', 'Adjustable straps for a custom fit.', 'Quick-drying and ready for the beach or pool.', 'Soft {material} straps that break in quickly.'],
  },
  {
    canonical: 'loafers', phrases: ['loafer', 'moccasin', 'driving shoe'],
    nouns: ['Loafers', 'Penny Loafers', 'Moccasins', 'Driving Shoes'], styles: ['Belmont', 'Riviera', 'Oxford Street', 'Weston'],
    materials: ['leather', 'suede'], colors: LEATHER_COLORS, departments: ['men', 'women'], sizes: 'shoe', price: [60, 240],
    features: ['Hand-stitched {material} upper.', 'Slip-on design for smart casual days.', 'Flexible sole that moves with you.', 'Leather lining for a soft feel without socks.'],
  },
  {
    canonical: 'slippers', phrases: ['slipper', 'house shoe'],
    nouns: ['Slippers', 'House Shoes', 'Slipper Mules'], styles: ['Hearth', 'Snug', 'Lodge'],
    materials: ['wool', 'fleece', 'suede'], colors: ['grey', 'charcoal', 'navy', 'brown', 'cream', 'pink', 'burgundy'], departments: ['men', 'women', 'kids'], sizes: 'shoe', price: [20, 90],
    features: ['Plush {material} lining keeps toes warm.', 'Non-slip sole for hardwood floors.', 'Memory foam insole for cosy evenings at home.'],
  },
  {
    canonical: 't-shirt', phrases: ['t-shirt', 't shirt', 'tshirt', 'tee', 'tee shirt'],
    nouns: ['T-Shirt', 'Crew Neck Tee', 'V-Neck Tee', 'Pocket Tee', 'Graphic Tee'], styles: ['Everyday', 'Essential', 'Heritage', 'Field'],
    materials: ['cotton', 'linen', 'polyester'], colors: APPAREL_COLORS, departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [12, 45],
    features: ['Soft {material} jersey that gets better with every wash.', 'Relaxed fit with a ribbed collar.', 'Pre-shrunk so it keeps its shape.', 'Tagless neck for all-day comfort.'],
  },
  {
    canonical: 'shirt', phrases: ['shirt', 'button down', 'button-down', 'button up', 'dress shirt', 'flannel shirt'],
    nouns: ['Shirt', 'Oxford Shirt', 'Button-Down Shirt', 'Flannel Shirt', 'Dress Shirt'], styles: ['Weekend', 'Tailored', 'Harbor', 'Classic'],
    materials: ['cotton', 'linen', 'silk', 'denim'], colors: APPAREL_COLORS, departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [30, 110],
    features: ['Crisp {material} that works at the office and on weekends.', 'Button-down collar and a curved hem.', 'Tailored fit with room to move.', 'Easy-iron finish for busy mornings.'],
  },
  {
    canonical: 'hoodie', phrases: ['hoodie', 'hooded sweatshirt', 'sweatshirt', 'pullover'],
    nouns: ['Hoodie', 'Zip Hoodie', 'Pullover Hoodie', 'Sweatshirt'], styles: ['Campus', 'Trailhead', 'Lounge', 'Studio'],
    materials: ['cotton', 'fleece', 'polyester'], colors: APPAREL_COLORS, departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [30, 95],
    features: ['Brushed {material} inside for warmth.', 'Kangaroo pocket and an adjustable hood.', 'Ribbed cuffs and hem hold their shape.', 'Midweight fabric for layering in spring and fall.'],
  },
  {
    canonical: 'sweater', phrases: ['sweater', 'jumper', 'cardigan', 'knitwear'],
    nouns: ['Sweater', 'Crewneck Sweater', 'Cardigan', 'Cable Knit Sweater', 'Turtleneck'], styles: ['Fireside', 'Alpine', 'Heritage', 'Nordic'],
    materials: ['wool', 'cashmere', 'cotton'], colors: APPAREL_COLORS, departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [40, 220],
    features: ['Knitted from soft {material} for cold days.', 'Cable knit texture with a classic look.', 'Warm without the bulk.', 'Hand wash cold and lay flat to dry.'],
  },
  {
    canonical: 'jacket', phrases: ['jacket', 'coat', 'parka', 'windbreaker', 'raincoat', 'puffer'],
    nouns: ['Jacket', 'Rain Jacket', 'Puffer Jacket', 'Parka', 'Bomber Jacket', 'Trench Coat'], styles: ['Storm', 'Northwind', 'Glacier', 'Metro', 'Ridge'],
    materials: ['nylon', 'polyester', 'leather', 'wool', 'denim'], colors: ['black', 'navy', 'olive', 'charcoal', 'red', 'beige', 'green', 'brown', 'blue', 'yellow'], departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [60, 350],
    features: ['Water-resistant {material} shell.', 'Insulated for winter warmth.', 'Packable into its own pocket for travel.', 'Adjustable hood and storm flap.', 'Zip pockets keep your phone and keys safe.'],
  },
  {
    canonical: 'jeans', phrases: ['jeans', 'jean'],
    nouns: ['Jeans', 'Slim Jeans', 'Straight Leg Jeans', 'Relaxed Jeans', 'Skinny Jeans'], styles: ['Original', 'Selvedge', 'Workwear', 'Vintage'],
    materials: ['denim'], colors: ['blue', 'navy', 'black', 'grey', 'white'], departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [35, 180],
    features: ['Stretch {material} that keeps its shape.', 'Five-pocket styling with a mid rise.', 'Garment washed for a lived-in feel.', 'Sits at the waist with a straight leg.'],
  },
  {
    canonical: 'shorts', phrases: ['shorts', 'swim trunks', 'board shorts'],
    nouns: ['Shorts', 'Chino Shorts', 'Running Shorts', 'Swim Trunks', 'Cargo Shorts'], styles: ['Boardwalk', 'Sprint', 'Weekend', 'Harbor'],
    materials: ['cotton', 'linen', 'nylon', 'polyester'], colors: APPAREL_COLORS, departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [18, 70],
    features: ['Quick-dry {material} for hot days.', 'Elastic waistband with a drawcord.', 'Seven inch inseam.', 'Deep pockets and a relaxed fit.'],
  },
  {
    canonical: 'dress', phrases: ['dress', 'gown', 'sundress', 'maxi dress'],
    nouns: ['Dress', 'Wrap Dress', 'Midi Dress', 'Maxi Dress', 'Sundress', 'Shirt Dress'], styles: ['Riviera', 'Garden Party', 'Evening', 'Meadow'],
    materials: ['cotton', 'linen', 'silk', 'polyester', 'velvet'], colors: APPAREL_COLORS, departments: ['women', 'kids'], sizes: 'apparel', price: [35, 240],
    features: ['Flowing {material} that moves beautifully.', 'Wrap silhouette with a tie waist.', 'Fully lined, with hidden side pockets.', 'Easy to dress up or down.'],
  },
  {
    canonical: 'hat', phrases: ['hat', 'cap', 'beanie', 'baseball cap', 'bucket hat'],
    nouns: ['Beanie', 'Baseball Cap', 'Bucket Hat', 'Wool Hat', 'Sun Hat'], styles: ['Trail', 'Dockside', 'Classic', 'Alpine'],
    materials: ['wool', 'cotton', 'polyester', 'canvas'], colors: APPAREL_COLORS, departments: ['men', 'women', 'kids'], sizes: 'one-size', price: [12, 55],
    features: ['Soft {material} that keeps its shape.', 'One size fits most.', 'Adjustable strap at the back.', 'Warm enough for winter mornings.'],
  },
  {
    canonical: 'scarf', phrases: ['scarf', 'scarves', 'shawl', 'wrap scarf'],
    nouns: ['Scarf', 'Wool Scarf', 'Blanket Scarf', 'Silk Scarf'], styles: ['Highland', 'Fireside', 'Parisian'],
    materials: ['wool', 'cashmere', 'silk', 'cotton'], colors: APPAREL_COLORS, departments: ['men', 'women'], sizes: 'one-size', price: [20, 160],
    features: ['Woven from {material} for warmth without weight.', 'Fringed ends and a generous length.', 'A soft layer for cold commutes.'],
  },
  {
    canonical: 'backpack', phrases: ['backpack', 'rucksack', 'daypack', 'school bag'],
    nouns: ['Backpack', 'Daypack', 'Laptop Backpack', 'Hiking Backpack', 'Rolltop Backpack'], styles: ['Commuter', 'Trailhead', 'Voyager', 'Campus'],
    materials: ['nylon', 'canvas', 'polyester', 'leather'], colors: ['black', 'navy', 'grey', 'olive', 'red', 'tan', 'green', 'blue', 'orange'], departments: [], sizes: 'none', price: [35, 220],
    features: ['Padded sleeve fits a 15 inch laptop.', 'Water-resistant {material} body.', 'Padded shoulder straps and a breathable back panel.', 'Side pockets hold a water bottle.', '25 liter capacity for daily carry.'],
  },
  {
    canonical: 'handbag', phrases: ['handbag', 'purse', 'tote', 'tote bag', 'crossbody', 'shoulder bag'],
    nouns: ['Tote Bag', 'Crossbody Bag', 'Handbag', 'Shoulder Bag', 'Clutch'], styles: ['Madison', 'Soho', 'Market', 'Riviera'],
    materials: ['leather', 'canvas', 'suede', 'jute'], colors: ['black', 'brown', 'tan', 'cream', 'burgundy', 'navy', 'pink', 'beige'], departments: ['women'], sizes: 'none', price: [35, 320],
    features: ['Structured {material} with an inner zip pocket.', 'Adjustable strap to wear on the shoulder or across the body.', 'Magnetic snap closure.', 'Roomy enough for a tablet and a water bottle.'],
  },
  {
    canonical: 'wallet', phrases: ['wallet', 'billfold', 'card holder', 'cardholder'],
    nouns: ['Wallet', 'Bifold Wallet', 'Card Holder', 'Zip Wallet'], styles: ['Slim', 'Heritage', 'Traveler'],
    materials: ['leather', 'canvas', 'nylon'], colors: LEATHER_COLORS, departments: ['men', 'women'], sizes: 'none', price: [20, 120],
    features: ['Slim {material} that fits a front pocket.', 'Six card slots and a bill compartment.', 'RFID blocking lining.'],
  },
  {
    canonical: 'belt', phrases: ['belt'],
    nouns: ['Belt', 'Leather Belt', 'Woven Belt', 'Formal Belt'], styles: ['Classic', 'Ranch', 'Heritage'],
    materials: ['leather', 'canvas', 'suede'], colors: LEATHER_COLORS, departments: ['men', 'women', 'kids'], sizes: 'apparel', price: [18, 95],
    features: ['Full grain {material} with a brushed buckle.', 'Cut to size at home.', 'Ages into a rich patina.'],
  },
  {
    canonical: 'sunglasses', phrases: ['sunglasses', 'shades', 'sunnies'],
    nouns: ['Sunglasses', 'Aviator Sunglasses', 'Round Sunglasses', 'Sport Sunglasses'], styles: ['Horizon', 'Solstice', 'Malibu', 'Polar'],
    materials: ['nylon', 'aluminum', 'bamboo'], colors: ['black', 'brown', 'tan', 'blue', 'green', 'pink', 'grey'], departments: ['men', 'women', 'kids'], sizes: 'one-size', price: [25, 260],
    features: ['Polarized lenses cut glare on the water.', 'UV400 protection.', 'Lightweight {material} frame.', 'Comes with a hard case and a cleaning cloth.'],
  },
  {
    canonical: 'watch', phrases: ['watch', 'wristwatch', 'timepiece'],
    nouns: ['Watch', 'Chronograph Watch', 'Field Watch', 'Dive Watch', 'Smart Watch'], styles: ['Meridian', 'Tempo', 'Navigator', 'Regatta'],
    materials: ['stainless steel', 'leather', 'aluminum', 'rubber'], colors: ['black', 'white', 'navy', 'green', 'brown', 'grey', 'blue'], departments: ['men', 'women'], sizes: 'none', price: [60, 480],
    features: ['Water resistant to 100 meters.', 'Scratch-resistant sapphire crystal.', 'Comfortable {material} strap with quick-release pins.', 'Japanese quartz movement.', 'Luminous hands for reading in the dark.'],
  },
  {
    canonical: 'mug', phrases: ['mug', 'coffee mug', 'coffee cup', 'tea cup'],
    nouns: ['Mug', 'Coffee Mug', 'Travel Mug', 'Espresso Cup', 'Tea Cup'], styles: ['Morning', 'Cafe', 'Stoneware Classic', 'Hearth'],
    materials: ['ceramic', 'stainless steel', 'glass'], colors: HOME_COLORS, departments: [], sizes: 'none', price: [8, 45],
    features: ['Holds 12 ounces of coffee or tea.', 'Dishwasher and microwave safe.', 'Double-wall {material} keeps drinks hot.', 'Glazed by hand, so no two are alike.'],
  },
  {
    canonical: 'water bottle', phrases: ['water bottle', 'bottle', 'flask', 'tumbler'],
    nouns: ['Water Bottle', 'Insulated Bottle', 'Tumbler', 'Sports Bottle'], styles: ['Summit', 'Hydro', 'Trail', 'Daily'],
    materials: ['stainless steel', 'glass', 'aluminum'], colors: HOME_COLORS, departments: [], sizes: 'none', price: [12, 55],
    features: ['Keeps drinks cold for 24 hours.', 'Leakproof lid for your bag.', 'Vacuum insulated {material}.', 'BPA free and easy to clean.'],
  },
  {
    canonical: 'cookware', phrases: ['cookware', 'frying pan', 'skillet', 'saucepan', 'dutch oven', 'pot'],
    nouns: ['Skillet', 'Frying Pan', 'Saucepan', 'Dutch Oven', 'Stock Pot'], styles: ['Chef', 'Farmhouse', 'Bistro', 'Pro'],
    materials: ['cast iron', 'stainless steel', 'aluminum', 'ceramic'], colors: ['black', 'red', 'blue', 'cream', 'green', 'orange', 'grey'], departments: [], sizes: 'none', price: [25, 320],
    features: ['Even heating on gas, electric and induction.', 'Oven safe to 500 degrees.', 'Pre-seasoned {material}.', 'Riveted handle stays cool.', 'Nonstick surface for easy cleanup.'],
  },
  {
    canonical: 'dining table', phrases: ['dining table', 'kitchen table', 'dinner table'],
    nouns: ['Dining Table', 'Extendable Dining Table', 'Farmhouse Table', 'Round Dining Table'], styles: ['Hearthstone', 'Nordic', 'Mission', 'Loft'],
    materials: ['oak', 'walnut', 'teak', 'glass'], colors: WOOD_COLORS, departments: [], sizes: 'none', price: [250, 1800],
    features: ['Seats six comfortably.', 'Solid {material} top with a hand-rubbed finish.', 'Extends to seat eight for the holidays.', 'Tapered legs and mortise and tenon joints.'],
  },
  {
    canonical: 'chair', phrases: ['chair', 'dining chair', 'armchair', 'accent chair', 'office chair'],
    nouns: ['Dining Chair', 'Armchair', 'Accent Chair', 'Office Chair', 'Lounge Chair'], styles: ['Windsor', 'Mid Century', 'Loft', 'Nordic'],
    materials: ['oak', 'walnut', 'velvet', 'leather', 'linen', 'teak'], colors: HOME_COLORS, departments: [], sizes: 'none', price: [80, 900],
    features: ['Curved back supports long dinners.', 'Upholstered in soft {material}.', 'Solid hardwood frame.', 'Ships fully assembled.'],
  },
  {
    canonical: 'sofa', phrases: ['sofa', 'couch', 'sectional', 'loveseat', 'settee'],
    nouns: ['Sofa', 'Sectional Sofa', 'Loveseat', 'Sleeper Sofa', 'Chesterfield Sofa'], styles: ['Harbor', 'Cloud', 'Chesterfield', 'Mid Century'],
    materials: ['velvet', 'linen', 'leather', 'cotton'], colors: HOME_COLORS, departments: [], sizes: 'none', price: [450, 3200],
    features: ['Deep seats with feather-wrapped cushions.', 'Removable {material} covers.', 'Kiln-dried hardwood frame.', 'Seats three with room to stretch out.'],
  },
  {
    canonical: 'lamp', phrases: ['lamp', 'floor lamp', 'table lamp', 'desk lamp', 'pendant light'],
    nouns: ['Table Lamp', 'Floor Lamp', 'Desk Lamp', 'Pendant Light', 'Reading Lamp'], styles: ['Ember', 'Halo', 'Arc', 'Lantern'],
    materials: ['ceramic', 'glass', 'aluminum', 'bamboo', 'oak'], colors: HOME_COLORS, departments: [], sizes: 'none', price: [30, 420],
    features: ['Warm LED light with a dimmer.', 'Linen shade softens the glow.', '{material} base with a brass finish.', 'Adjustable arm for reading.'],
  },
  {
    canonical: 'rug', phrases: ['rug', 'area rug', 'runner rug', 'carpet'],
    nouns: ['Area Rug', 'Runner Rug', 'Round Rug', 'Shag Rug'], styles: ['Kilim', 'Moroccan', 'Coastal', 'Heritage'],
    materials: ['wool', 'jute', 'cotton', 'polyester'], colors: HOME_COLORS, departments: [], sizes: 'none', price: [40, 900],
    features: ['Hand-woven {material} with a low pile.', 'Five by eight feet.', 'Non-shedding and easy to vacuum.', 'Works in the living room or the hallway.'],
  },
  {
    canonical: 'bedding', phrases: ['bedding', 'duvet cover', 'sheet set', 'bed sheets', 'comforter', 'quilt'],
    nouns: ['Duvet Cover', 'Sheet Set', 'Quilt', 'Comforter', 'Pillowcase Set'], styles: ['Cloud', 'Hotel', 'Farmhouse', 'Slumber'],
    materials: ['cotton', 'linen', 'silk', 'bamboo'], colors: ['white', 'cream', 'grey', 'navy', 'blue', 'green', 'pink', 'beige', 'charcoal'], departments: [], sizes: 'none', price: [35, 380],
    features: ['Breathable {material} for cool sleep.', 'Queen size, with two pillowcases.', 'Gets softer with every wash.', 'Hidden button closure.'],
  },
];

export const BRANDS: readonly BrandSpec[] = [
  { name: 'Kestrel', phrases: ['kestrel'], categories: ['sneakers', 'shorts', 't-shirt', 'hoodie', 'water bottle', 'sunglasses', 'hat'], tier: 1 },
  { name: 'Northpeak', phrases: ['northpeak', 'north peak'], categories: ['boots', 'jacket', 'backpack', 'hoodie', 'hat', 'water bottle', 'sweater'], tier: 1.3 },
  { name: 'Velora', phrases: ['velora'], categories: ['sandals', 'loafers', 'dress', 'handbag', 'scarf', 'sunglasses', 'boots'], tier: 1.5 },
  { name: 'Harbor Lane', phrases: ['harbor lane', 'harbour lane'], categories: ['t-shirt', 'shirt', 'shorts', 'sweater', 'hat', 'belt', 'jeans'], tier: 0.9 },
  { name: 'Atlas Denim', phrases: ['atlas denim', 'atlas'], categories: ['jeans', 'jacket', 'shirt', 'belt', 'shorts'], tier: 1.1 },
  { name: 'Juniper Row', phrases: ['juniper row', 'juniper'], categories: ['dress', 'sweater', 'scarf', 'handbag', 'shirt', 'sandals'], tier: 1.2 },
  { name: 'Marlow & Finch', phrases: ['marlow & finch', 'marlow and finch', 'marlow'], categories: ['handbag', 'wallet', 'belt', 'backpack', 'loafers', 'watch'], tier: 1.6 },
  { name: 'Sable Street', phrases: ['sable street'], categories: ['sneakers', 't-shirt', 'hoodie', 'hat', 'backpack', 'jeans'], tier: 0.8 },
  { name: 'Tidewell', phrases: ['tidewell'], categories: ['sandals', 'shorts', 'hat', 'sunglasses', 'water bottle', 't-shirt'], tier: 0.8 },
  { name: 'Wrenfield', phrases: ['wrenfield'], categories: ['jacket', 'scarf', 'sweater', 'boots', 'hat', 'slippers'], tier: 1.4 },
  { name: 'Solace', phrases: ['solace'], categories: ['slippers', 'bedding', 'rug', 'sweater', 'hoodie'], tier: 1 },
  { name: 'Meridian Time', phrases: ['meridian time'], categories: ['watch', 'sunglasses', 'wallet', 'belt'], tier: 1.7 },
  { name: 'Brightwater', phrases: ['brightwater'], categories: ['water bottle', 'mug', 'backpack', 'hat'], tier: 0.9 },
  { name: 'Alder & Co', phrases: ['alder & co', 'alder and co', 'alder co', 'alder'], categories: ['dining table', 'chair', 'sofa', 'lamp', 'rug'], tier: 1.3 },
  { name: 'Nordvik', phrases: ['nordvik'], categories: ['chair', 'sofa', 'dining table', 'lamp', 'bedding', 'rug'], tier: 1 },
  { name: 'Quill & Hearth', phrases: ['quill & hearth', 'quill and hearth'], categories: ['bedding', 'rug', 'mug', 'lamp', 'cookware'], tier: 1.1 },
  { name: 'Copperline', phrases: ['copperline'], categories: ['cookware', 'mug', 'water bottle'], tier: 1.2 },
  { name: 'Fennel & Fig', phrases: ['fennel & fig', 'fennel and fig'], categories: ['mug', 'cookware', 'bedding', 'rug'], tier: 0.85 },
  { name: 'Lumen House', phrases: ['lumen house', 'lumen'], categories: ['lamp', 'chair', 'rug'], tier: 1.15 },
  { name: 'Pinecrest Outfitters', phrases: ['pinecrest outfitters', 'pinecrest'], categories: ['boots', 'backpack', 'jacket', 'shirt', 'hat', 'water bottle', 'sweater'], tier: 1 },
  { name: 'Everlane Park', phrases: ['everlane park'], categories: ['t-shirt', 'shirt', 'sweater', 'jeans', 'sneakers', 'loafers', 'dress'], tier: 1.05 },
  { name: 'Little Otter', phrases: ['little otter'], categories: ['t-shirt', 'hoodie', 'sneakers', 'sandals', 'jacket', 'hat', 'backpack'], tier: 0.7 },
];

/** Adjectives for titles and descriptions. */
export const ADJECTIVES = ['Classic', 'Lightweight', 'Everyday', 'Premium', 'Vintage', 'Modern', 'Relaxed', 'Slim', 'Cozy', 'Durable', 'Essential', 'Handcrafted', 'Minimalist', 'Rugged', 'Soft'];

/** Description openers; "{adjective}", "{noun}", "{color}", "{material}", "{brand}", "{department}" are filled in. */
export const OPENERS = [
  'A {adjective} {noun} in {color} {material}.',
  'The {brand} {noun}: {adjective} {material} in {color}.',
  '{adjective} {color} {noun} made from {material}.',
  'Our {adjective} {noun} for {department}, cut from {material}.',
];

export const CLOSERS = ['Free returns within 30 days.', 'Backed by a one year warranty.', 'A customer favourite.', 'Makes a great gift.', 'Responsibly made.', 'Ships in recyclable packaging.'];

export const SHOE_SIZES: Readonly<Record<Department, readonly string[]>> = {
  men: ['7', '7.5', '8', '8.5', '9', '9.5', '10', '10.5', '11', '12', '13'],
  women: ['5', '5.5', '6', '6.5', '7', '7.5', '8', '8.5', '9', '10', '11'],
  kids: ['10C', '11C', '12C', '13C', '1Y', '2Y', '3Y', '4Y', '5Y'],
};
export const APPAREL_SIZES: Readonly<Record<Department, readonly string[]>> = {
  men: ['XS', 'S', 'M', 'L', 'XL', 'XXL'],
  women: ['XS', 'S', 'M', 'L', 'XL'],
  kids: ['4', '5', '6', '7', '8', '10', '12', '14'],
};

/**
 * Words shoppers type that the catalog text does not use much, so the tiny model knows them as whole words
 * rather than letter pieces.
 */
export const QUERY_WORDS = [
  'a', 'an', 'the', 'and', 'or', 'for', 'with', 'without', 'no', 'not', 'in', 'on', 'of', 'to', 'my', 'me', 'i', 'is', 'it', 'that', 'this',
  'under', 'below', 'over', 'above', 'less', 'more', 'than', 'between', 'up', 'max', 'min', 'least', 'around', 'about', 'cheap', 'cheapest',
  'affordable', 'budget', 'expensive', 'luxury', 'best', 'top', 'new', 'sale', 'deal', 'discount', 'gift', 'gifts', 'present', 'birthday',
  'christmas', 'holiday', 'summer', 'winter', 'spring', 'fall', 'autumn', 'rain', 'snow', 'cold', 'warm', 'hot', 'beach', 'hiking', 'running',
  'walking', 'travel', 'office', 'work', 'school', 'wedding', 'party', 'gym', 'yoga', 'outdoor', 'indoor', 'kitchen', 'bedroom', 'living',
  'room', 'home', 'comfortable', 'comfy', 'waterproof', 'warmest', 'lightest', 'big', 'small', 'large', 'medium', 'size', 'sizes', 'wide',
  'narrow', 'long', 'short', 'tall', 'baby', 'toddler', 'teen', 'man', 'woman', 'boy', 'girl', 'dad', 'mom', 'usd', 'dollars', 'dollar',
  'eur', 'euros', 'bucks', 'shoes', 'shoe', 'clothes', 'clothing', 'apparel', 'accessories', 'furniture', 'decor', 'bag', 'bags', 'coffee',
  'tea', 'water', 'table', 'dinner', 'sleep', 'bed', 'pillow', 'matching', 'set', 'pair', 'pack', 'sustainable', 'eco', 'organic', 'recycled',
];

/** The rules-file phrases per field: what demoRules() writes and the model's synonym groups come from. */
export function ruleFields(): Record<string, Record<string, readonly string[]>> {
  return {
    category: Object.fromEntries(CATEGORIES.map((c) => [c.canonical, c.phrases])),
    color: { ...COLORS },
    brand: Object.fromEntries(BRANDS.map((b) => [b.name, b.phrases])),
    material: { ...MATERIALS },
    department: { ...DEPARTMENTS },
  };
}

/** Every string any list above contributes, placeholders removed: the tiny model's vocabulary source. */
export function vocabularyTexts(): string[] {
  const texts: string[] = [...QUERY_WORDS, ...ADJECTIVES, ...OPENERS, ...CLOSERS];
  for (const values of Object.values(ruleFields())) {
    for (const [canonical, phrases] of Object.entries(values)) texts.push(canonical, ...phrases);
  }
  for (const category of CATEGORIES) texts.push(...category.nouns, ...category.styles, ...category.features);
  for (const sizes of [...Object.values(SHOE_SIZES), ...Object.values(APPAREL_SIZES)]) texts.push(...sizes);
  return texts.map((text) => text.replace(/\{[a-z]+\}/g, ' '));
}
