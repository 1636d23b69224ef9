// The look of A2UI v0.8 components on the canvas: the renderer maps each component to utility
// classes of @a2ui/web_core's structural styles (layout-*, typography-*, color-*, border-*) named
// here. Colors come from the palette variables set by palette.js.

/** A class map from class names. */
const cls = (...names) => Object.fromEntries(names.map((n) => [n, true]));

const sans = ["typography-f-sf", "typography-fs-n"];
const bodyText = [...sans, "typography-w-400", "typography-sz-bm", "color-c-n10"];
const heading = [...sans, "typography-w-500", "layout-m-0", "layout-mb-2", "color-c-n10"];
const field = {
  container: cls("layout-dsp-flexvert", "layout-g-1", "layout-w-100", "typography-sz-bm"),
  label: cls(...sans, "typography-w-500", "typography-sz-ll", "color-c-n30"),
  element: cls(...sans, "typography-sz-bm", "layout-pt-2", "layout-pb-2", "layout-pl-3", "layout-pr-3", "border-br-2", "border-bw-1", "border-bs-s", "color-bc-n80", "color-bgc-n100", "color-c-n10"),
};
const textSize = { h1: "typography-sz-hm", h2: "typography-sz-hs", h3: "typography-sz-tl", h4: "typography-sz-tm", h5: "typography-sz-bl" };

export const theme = {
  additionalStyles: {
    // The button's label is a Text child, colored --n-10 / --n-90 (light / dark): white on the button.
    Button: { "--n-10": "#ffffff", "--n-90": "#ffffff" },
  },
  components: {
    AudioPlayer: cls("layout-w-100"),
    Button: cls(...sans, "typography-w-500", "layout-pt-2", "layout-pb-2", "layout-pl-4", "layout-pr-4", "border-br-3", "border-bw-0", "color-bgc-p40", "behavior-ho-80"),
    Card: cls("layout-p-4", "border-br-4", "border-bw-1", "border-bs-s", "color-bc-n90", "color-bgc-n100"),
    Column: cls("layout-g-3"),
    CheckBox: {
      container: cls("layout-dsp-iflex", "layout-al-c", "layout-g-2"),
      element: cls("layout-m-0"),
      label: cls(...bodyText),
    },
    DateTimeInput: field,
    Divider: cls("color-bc-n90"),
    Image: {
      all: cls("border-br-3", "layout-el-cv", "layout-w-100"),
      icon: cls(),
      avatar: cls("border-br-50pc"),
      smallFeature: cls(),
      mediumFeature: cls(),
      largeFeature: cls(),
      header: cls(),
    },
    Icon: cls("color-c-n30"),
    List: cls("layout-g-3"),
    Modal: {
      backdrop: cls("color-bbgc-n10_40"),
      element: cls("layout-p-5", "border-br-4", "border-bw-1", "border-bs-s", "color-bc-n90", "color-bgc-n100"),
    },
    MultipleChoice: field,
    Row: cls("layout-g-3"),
    Slider: field,
    Tabs: {
      container: cls("layout-dsp-flexvert", "layout-g-3"),
      element: cls(),
      controls: {
        all: cls(...sans, "typography-sz-ll", "layout-pt-2", "layout-pb-2", "layout-pl-3", "layout-pr-3", "border-bw-0", "color-bgc-n100", "color-c-n30"),
        selected: cls("color-c-p40", "typography-w-500"),
      },
    },
    Text: {
      all: cls("layout-w-100"),
      h1: cls("typography-w-500", textSize.h1),
      h2: cls("typography-w-500", textSize.h2),
      h3: cls("typography-w-500", textSize.h3),
      h4: cls("typography-w-500", textSize.h4),
      h5: cls("typography-w-500", textSize.h5),
      caption: cls("typography-sz-bs", "color-c-n40"),
      body: cls(),
    },
    TextField: field,
    Video: cls("border-br-3", "layout-w-100"),
  },
  elements: {
    a: cls(...sans, "typography-w-500", "color-c-p40"),
    audio: cls("layout-w-100"),
    body: cls(...bodyText),
    button: cls(...sans),
    h1: cls(...heading, textSize.h1),
    h2: cls(...heading, textSize.h2),
    h3: cls(...heading, textSize.h3),
    h4: cls(...heading, textSize.h4),
    h5: cls(...heading, textSize.h5),
    iframe: cls("behavior-sw-n"),
    input: field.element,
    p: cls(...bodyText, "layout-m-0"),
    pre: cls("typography-f-c", "typography-sz-bs", "typography-ws-p"),
    textarea: field.element,
    video: cls("layout-el-cv"),
  },
  markdown: {
    p: [...bodyText, "layout-m-0"],
    h1: [...heading, textSize.h1],
    h2: [...heading, textSize.h2],
    h3: [...heading, textSize.h3],
    h4: [...heading, textSize.h4],
    h5: [...heading, textSize.h5],
    ul: [...bodyText, "layout-m-0"],
    ol: [...bodyText, "layout-m-0"],
    li: [...bodyText],
    a: ["color-c-p40"],
    strong: [],
    em: [],
  },
};
