// Normative data of ISO/IEC 11172-3 (MPEG-1 audio) and ISO/IEC 13818-3 (MPEG-2 audio, low sampling frequencies), plus
// the MPEG-2.5 extension's band layout, in compact forms of our own; ./huffman, ./layer3 and ./synth build their working
// tables from these at first use. Only data lives here: the values are fixed by the standard, not a design choice.
//
// Where the numbers were taken from (re-encoded, never copied as code):
//   * Huffman codes (11172-3 Annex B, Table B.7 "Huffman code tables for Layer III": tables 1–24 and the count1
//     tables A and B): enumerated from the decoding trees of minimp3 (github.com/lieff/minimp3, CC0 / public domain)
//     and written here as (hlen, hcod) per value pair; every table satisfies Kraft's equality (see the unit test).
//   * Synthesis window D[i] (11172-3 Annex B, Table B.3): from PDMP3 (github.com/technosaurus/PDMP3, public domain),
//     which prints the standard's nine-decimal values; every one of them is a multiple of 2^-16, stored so here.
//   * Scale factor band widths (11172-3 Table B.8, 13818-3 Table B.2, MPEG-2.5 as mpg123 and minimp3 agree): from
//     minimp3's band tables.
// Everything else (IMDCT windows, cosine tables, the alias-reduction coefficients' derived values, x^(4/3)) is computed.
// The Layer I/II allocation tables (11172-3 Tables B.2a–d, 13818-3 Table B.1) are short and live in ./layer12.

/**
 * Big-value Huffman tables by table number (Table B.7). Tables 0, 4 and 14 do not exist; 16–23 share table 16's codes
 * and 24–31 share table 24's (they differ in linbits only). Each table lists the pairs (x, y) in the order
 * x = 0..n-1, y = 0..n-1; one entry is the code length in base 36 followed by the code in hex, ceil(hlen / 4) digits.
 */
export const HUFFMAN_PAIRS: Readonly<Record<number, string>> = {
  1:
    '11312130',
  2:
    '11326013331501503502600',
  3:
    '23226013121501503502600',
  5:
    '11326067053331604704607605707801706601701800',
  6:
    '37335057013622435024544504601603503602700',
  7:
    '113260a813810900a334360770a70580360b50470d811808900470c70b812900f900b9002707706809900e9003a001806804' +
    '9005a003a002a000',
  8:
    '233460681280c90053521428108098036074360580e807900381381180f900d900aa00480d705808900ba005a001900c8049' +
    '0049001b001b000',
  9:
    '373550960e80f9007363445505606807474650860870880560f50660970a70580170b607709706804900180e704806802900' +
    '69000',
  10:
    '113260a8179023901e900ca011334360870c812901580c80760b60970f8159020a0289013900670e70d8169022a02ea01790' +
    '12a0078148139021a02fa01ba016a009a003901f9016a029a01ab015b014a005b00380e80d900aa00ba010a006b005b00190' +
    '098089007a008a004b004b002b000',
  11:
    '233450a7188229021815900f35334460a82081170b80a50b50760d71281e901f81480571960b713903b81ba01280c9005823' +
    '82181f903a901ea0109007a00581c81a9020a013a011b00fa008b00e80e70c70980d900ea009a004a00180b7048069006a00' +
    '6a003a002a000',
  12:
    '493651072182990279026901a37354650971771081a80b5114750b60e71581e70a80761150a60f60c71281c80e80572060d7' +
    '16713812810809900582871181f81d811900d804900281b70c70b80f80a90079004a001901b80c808900c900690039001a00' +
    '0',
  13:
    '114560e7158229033902ea047902aa034b044b034c043c02cd002bd0013334460c71381f81a902c9021901f9018a020a018b' +
    '01fc023c016c00e60f60d717824903b9031a04da041901da028a01eb028b01bc021d002ad0010716714825903d9038a04fa0' +
    '49a040a02bb04cb038b025b01ac01fd0019d000e823710903c9039a061a04bb072b05ba036b049b037c029c030d0035d0017' +
    'e0018903a81b9032a060a04ca046b05db054b04db03ac04fb01dd004ad0031e0029e0011902f902da04ea04ab073b05eb05a' +
    'b04fb045c053c047c032d003bd0026e0024e000fa0489022a038b05fb05cb055c05bc05ac056c049d004dd0041d0033e002c' +
    'g002bg002a902b814901ea02ca037b04eb048c057c04ec03dc02ed0036d0025e001ef0014f0010a0359019a029a025b02cb0' +
    '3bb036d0051c042d004cd0039e0036e0025e0012g0027f000ba023a021a01fb039b02ac052c048d0050c02fd003ae0037d00' +
    '15e0016f001ag0026h00016b035a019a017b026c046c03cc033c024d0037d001ad0022e0017f001bf000ef0009g0007b022b' +
    '020b01cc027c031d004bc01ed0034e0030e0028f0034f001cf0012g0011g0009g0005c02db015c022d0040d0038d0032e003' +
    '1e002de001fe0013e000cf000fg000af0007g0006g0003d0030c017c014d0027d0024d0023f0035e0015e0010h00017f000d' +
    'f000af0006h00001g0004g0002c010c00fd0011e001be0019e0014f001de000bf0011f000cg0010g0008j00001i00001j000' +
    '00g0001',
  15:
    '374c51273572f84c907c906c9059a07ba06cb077b06bb051c07ad003f4d3551061b72e72483d83382a90469034a053a041a0' +
    '29b03bb02451351150f61872972283b83082890409032a04ea03eb050b038b02161d61c61972b72783f837905d904c903ba0' +
    '5da048a036b04bb032b01d73461672a728843839905f904f90489039a059a045a031b042b02eb01b84d72572384283a83490' +
    '5b904a903e9030a04fa03fb05ab03eb028c026907d72083c838832905c904e90419037a057a047a033b049b033c046c01e90' +
    '6d835831905e9058904b9042a07aa05ba049a038a02ab040b02cb015c019905a82b829904d9049903f9038a05ca04da042a0' +
    '2fb043b030c035c024c01490478229043903c903a9031a058a04ca043b06ab047b036b026c027c017c00fa06d90359033902' +
    'fa05aa052a03aa039a030b048b039b029b017c01bd003ec009a056902a90289025a046a040a034a02bb046b037b02ab019c0' +
    '1dc012c00bd000bb076a044901ea037a032a02eb04ab041b031b027b018b010c016c00dd000ed0007b05ba02ca027a026a02' +
    '2b03fb034b02db01fc034c01cc013c00ec008d0009d0003c07bb03cb03ab035b02fb02bb020b016c025c018c011c00cd000f' +
    'd000ac002d0001c047b025b022b01eb01cb014b011c01ac015c010c00ac006d0008d0006d0002d0000',
  16:
    '114560e82c904a903fa06ea05db0acb095b08ac0f2c0e1c0c3d01789011334460c714823903e9035902fa053a04ba044b077' +
    'c0c9b06bc0cf80960f60d7178269043903aa067a05ab0a1a048b07fb075b06ec0d1c0ce901082d71582790459040a072a063' +
    'a057b09eb08cc0fcc0d4c0c7d0183d016da01a904b82490449041a073a065b0b3b0a4b09bc108c0f6c0e2d018bd017ed016a' +
    '9009904281e903b9038a066b0b9b0adc109b08ec0fdc0e8d0190d0184d017ae01bda010a06f90369034a064b0b8b0b2b0a0b' +
    '085c101c0f4c0e4c0d9d0181d016ee02cba00aa0629030a05ba058b0a5b09db094c105c0f8d0197d018dd0174d017cf0379f' +
    '0374a008a055a054a051b09fb09cb08fc104c0f9d01abd0191d0188d017fe02d7e02c9e02c4a007b09aa04ca049b08db083c' +
    '100c0f5d01aad0196d018ad0180e02dfd0167e02c6d0160b00bb08bb081a043b07dc0f7c0e9c0e5c0dbd0189e02e7e02e1e0' +
    '2d0f0375f0372e01b7a004c0f3b078b076b073c0e3c0dfd018ce02eae02e6e02e0e02d1e02c8e02c2d00dfe01b4b006c0cac' +
    '0e0c0dec0dac0d8d0185d0182d017dd016cf0378e01bbe02c3e01b8e01b5g06c0b004e02ebc0d3c0d2c0d0d0172d017be02d' +
    'ee02d3e02cag06c7f0373f036df036ch00d83f0361b002d0179d0171b066c0bbe02d6e02d2d0166e02c7e02c5f0362g06c6f' +
    '0367h00d82f0366e01b2b000900c80a807900b900aa011a00ba009b00db00cb00ab007b005b003b001803',
  24:
    '4f4d62e750892910690f8a1b2a1aab29db28db289b26db205c40890584e4c51562674788287a90d890d190c6a147a159a13f' +
    'a129a11782a62f51662974a74488087890dd90cf90c290b6a154a13ba127b21d71275162774b74688687d87490dc90cc90be' +
    '90b2a145a137a125a10f71089374874588787f87687090d290c890bca160a143a132a11db21c70e910774288187e87787290' +
    'd690ca90c090b4a155a13da12da119a10670c90f987b87987587190d790ce90c390b9a15ba14aa134a123a110b20870aa1b3' +
    '87386f86d90d390cb90c490bba161a14ca139a12aa11bb213b17d811a1ab90d490d090cd90c990c190ba90b190a9a140a12f' +
    'a11ea10cb202b179810a14f90c790c590bf90bd90b590aea14da141a131a121a113b209b17bb17380bb29c90b890b790b390' +
    'afa158a14ba13aa130a122a115b212b17fb175b16e80ab28ca15a90ab90a890a4a13ea135a12ba11fa114a107b201b177b17' +
    '0b16a806b288a142a13ca138a133a12ea124a11ca10da105b200b178b172b16cb167804b26ca12ca128a126a120a11aa111a' +
    '10ab203b17cb176b171b16db169b165802c409a118a116a112a10ba108a103b17eb17ab174b16fb16bb168b166b16480082b' +
    '71471371170f70d70b70970770670480780580380143',
};

/**
 * The count1 tables A and B (Table B.7, "quadruples"): entry v·8 + w·4 + x·2 + y, the same encoding as HUFFMAN_PAIRS.
 */
export const COUNT1_A = '1145445054660550460447503506600507602603601';
export const COUNT1_B = '4f4e4d4c4b4a49484746454443424140';

/** linbits of big-value tables 0–31 (Table B.7): escape bits after the value 15. */
export const LINBITS: readonly number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 6, 8, 10, 13, 4, 5, 6, 7, 8, 9, 11, 13];

/**
 * Synthesis window D[0..256] (Table B.3) in units of 2^-16. The rest follows from the window's symmetry:
 * D[512 - i] = D[i] where i is a multiple of 64 and -D[i] otherwise.
 */
export const SYNTH_WINDOW_HALF: readonly number[] = [
  0, -1, -1, -1, -1, -1, -1, -2, -2, -2, -2, -3, -3, -4, -4, -5,
  -5, -6, -7, -7, -8, -9, -10, -11, -13, -14, -16, -17, -19, -21, -24, -26,
  -29, -31, -35, -38, -41, -45, -49, -53, -58, -63, -68, -73, -79, -85, -91, -97,
  -104, -111, -117, -125, -132, -139, -147, -154, -161, -169, -176, -183, -190, -196, -202, -208,
  213, 218, 222, 225, 227, 228, 228, 227, 224, 221, 215, 208, 200, 189, 177, 163,
  146, 127, 106, 83, 57, 29, -2, -36, -72, -111, -153, -197, -244, -294, -347, -401,
  -459, -519, -581, -645, -711, -779, -848, -919, -991, -1064, -1137, -1210, -1283, -1356, -1428, -1498,
  -1567, -1634, -1698, -1759, -1817, -1870, -1919, -1962, -2001, -2032, -2057, -2075, -2085, -2087, -2080, -2063,
  2037, 2000, 1952, 1893, 1822, 1739, 1644, 1535, 1414, 1280, 1131, 970, 794, 605, 402, 185,
  -45, -288, -545, -814, -1095, -1388, -1692, -2006, -2330, -2663, -3004, -3351, -3705, -4063, -4425, -4788,
  -5153, -5517, -5879, -6237, -6589, -6935, -7271, -7597, -7910, -8209, -8491, -8755, -8998, -9219, -9416, -9585,
  -9727, -9838, -9916, -9959, -9966, -9935, -9863, -9750, -9592, -9389, -9139, -8840, -8492, -8092, -7640, -7134,
  6574, 5959, 5288, 4561, 3776, 2935, 2037, 1082, 70, -998, -2122, -3300, -4533, -5818, -7154, -8540,
  -9975, -11455, -12980, -14548, -16155, -17799, -19478, -21189, -22929, -24694, -26482, -28289, -30112, -31947, -33791, -35640,
  -37489, -39336, -41176, -43006, -44821, -46617, -48390, -50137, -51853, -53534, -55178, -56778, -58333, -59838, -61289, -62684,
  -64019, -65290, -66494, -67629, -68692, -69679, -70590, -71420, -72169, -72835, -73415, -73908, -74313, -74630, -74856, -74992,
  75038,
];

/** Sampling frequencies in the order the band tables below use: MPEG-1, MPEG-2, MPEG-2.5. */
export const RATES: readonly number[] = [44100, 48000, 32000, 22050, 24000, 16000, 11025, 12000, 8000];

/** Widths of the 22 long-block scale factor bands (the last has no scale factor) per RATES entry. */
export const LONG_BAND_WIDTHS: readonly (readonly number[])[] = [
  [4, 4, 4, 4, 4, 4, 6, 6, 8, 8, 10, 12, 16, 20, 24, 28, 34, 42, 50, 54, 76, 158],
  [4, 4, 4, 4, 4, 4, 6, 6, 6, 8, 10, 12, 16, 18, 22, 28, 34, 40, 46, 54, 54, 192],
  [4, 4, 4, 4, 4, 4, 6, 6, 8, 10, 12, 16, 20, 24, 30, 38, 46, 56, 68, 84, 102, 26],
  [6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54],
  [6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 18, 22, 26, 32, 38, 46, 54, 62, 70, 76, 36],
  [6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54],
  [6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54],
  [6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54],
  [12, 12, 12, 12, 12, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 76, 90, 2, 2, 2, 2, 2],
];

/** Widths of the 13 short-block scale factor bands of one window (the last has no scale factor) per RATES entry. */
export const SHORT_BAND_WIDTHS: readonly (readonly number[])[] = [
  [4, 4, 4, 4, 6, 8, 10, 12, 14, 18, 22, 30, 56],
  [4, 4, 4, 4, 6, 6, 10, 12, 14, 16, 20, 26, 66],
  [4, 4, 4, 4, 6, 8, 12, 16, 20, 26, 34, 42, 12],
  [4, 4, 4, 6, 6, 8, 10, 14, 18, 26, 32, 42, 18],
  [4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 32, 44, 12],
  [4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18],
  [4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18],
  [4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18],
  [8, 8, 8, 12, 16, 20, 24, 28, 36, 2, 2, 2, 26],
];

/** pretab (11172-3 Table B.6): added to long-block scale factors 0–21 when preflag is set. */
export const PRETAB: readonly number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3, 2, 0];

/**
 * MPEG-2 nr_of_sfb (13818-3 Table B.1 / §2.4.3.2): how many scale factors each of the four slen groups holds, by the
 * scalefac_compress range (rows 0–2; rows 3–5 for the intensity-stereo right channel) and block layout (long, short,
 * mixed). Short and mixed counts are in scale factor values (three per short band).
 */
export const LSF_SFB_COUNTS: readonly (readonly (readonly number[])[])[] = [
  [[6, 5, 5, 5], [9, 9, 9, 9], [6, 9, 9, 9]],
  [[6, 5, 7, 3], [9, 9, 12, 6], [6, 9, 12, 6]],
  [[11, 10, 0, 0], [18, 18, 0, 0], [15, 18, 0, 0]],
  [[7, 7, 7, 0], [12, 12, 12, 0], [6, 15, 12, 0]],
  [[6, 6, 6, 3], [12, 9, 9, 6], [6, 12, 9, 6]],
  [[8, 8, 5, 0], [15, 12, 9, 0], [6, 18, 9, 0]],
];

/** MPEG-1 scalefac_compress → (slen1, slen2) (11172-3 §2.4.2.7). */
export const SLEN_MPEG1: readonly (readonly [number, number])[] = [
  [0, 0], [0, 1], [0, 2], [0, 3], [3, 0], [1, 1], [1, 2], [1, 3],
  [2, 1], [2, 2], [2, 3], [3, 1], [3, 2], [3, 3], [4, 2], [4, 3],
];

/** Alias-reduction coefficients c_i (11172-3 Table B.9); cs and ca are derived from them. */
export const ALIAS_C: readonly number[] = [-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037];
