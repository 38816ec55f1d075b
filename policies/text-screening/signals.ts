/**
 * What generalises beyond an attack's wording: who a sentence addresses and what it asks for. Each signal is a
 * lexicon over the model reading (lower case, look-alikes folded, leetspeak undone; normalise.ts modelReading), with
 * the common words of a few other languages, read sentence by sentence. The detector's model weighs the signals
 * and their pairs next to its n-grams (model.ts), so "addressed to an AI" plus "asks to trade" counts for more than
 * either alone, whatever the words.
 */
export type Signal = SentenceSignal | TextSignal;

type SentenceSignal =
  | 'addr:ai'
  | 'addr:ai-other'
  | 'addr:reader'
  | 'addr:conditional'
  | 'ask:output'
  | 'ask:trade'
  | 'ask:approve'
  | 'ask:funds'
  | 'ask:reveal'
  | 'ask:rules'
  | 'ask:role'
  | 'ask:override'
  | 'claim:authority'
  | 'claim:approval'
  | 'frame:envelope'
  | 'frame:hidden-markup'
  | 'frame:error'
  | 'frame:examples'
  | 'form:imperative'
  // What a text does, whatever it says it is: dictates the answer, grades behaviour, asks to copy a pattern, states
  // a near-certain value (and, text-wide, worked examples pairing inputs with answers, ending on an open slot).
  | 'ask:dictated'
  | 'ask:imitate'
  | 'claim:grading'
  | 'value:certain'
  // How a sentence stands to its ask: reporting what someone else said or did, or forbidding it (the model weighs
  // these; they carry no ask of their own and pair with nothing).
  | 'tone:reported'
  | 'tone:prohibition';

/** Read over the whole reading, not a sentence. */
type TextSignal = 'frame:answer-pairs' | 'frame:open-slot';

const AI = String.raw`(?:ai|a\.i\.|artificial intelligence|assistant|language models?|llms?|chat ?bots?|gpt|claude|kimi|nemo|bots?|agents?|models?|estimators?|summari[sz]ers?|crawlers?|scrapers?|machine readers?|automated (?:\w+ )?(?:readers?|systems?|analysts?|traders?|agents?)|(?:ai|llm|gpt|model) (?:analysts?|estimators?|traders?|readers?)|trading (?:bots?|agents?)|ia|ki|ии|штучний інтелект|asystent\w*|人工智能|ai助手|アシスタント|에이전트|yapay zek\S*|الذكي|एआई|trợ lý)`;

const RAW_LEXICON: Record<SentenceSignal, RegExp> = {
  'addr:ai': new RegExp(
    String.raw`(?:^|[\s,:;(\[-])(?:hey|hi|dear|attention|note (?:to|for)|message (?:to|for)|to (?:the|any|all|every|whatever|whichever)|for (?:the|any|all)|calling|psa|reminder|mods pls)?\s*(?:the |any |all |every |whatever )?${AI}\s*(?:[:,]|reading|parsing|processing|summari[sz]ing|indexing|scraping|that (?:reads|parses)|who (?:reads|is))`,
    'u',
  ),
  // Addressing an AI in other languages, anywhere in the sentence.
  'addr:ai-other':
    /ии-ассистент|ассистент\S*|нейросет\S*|штучн\S* інтелект|асистент\S*|\bki-\S+|\bki\b|sztuczn\S* inteligenc\S*|asystent\S*|\bia\b|inteligencia artificial|intelligence artificielle|intelligenza artificiale|assistente|assistant ia|taalmodel|språkmodell\S*|sprachmodell\S*|アシスタント|ai助手|人工智能|人工知能|ai에게|에이전트|인공지능|yapay zek\S*|الذكاء|المساعد|एआई|trợ lý|asisten ai|מודל|μοντέλο|هوش مصنوعی/u,
  'addr:reader':
    /\b(?:whoever|anyone|those|you,? the|as the) (?:is )?(?:reads?|reading|rates?|rating|prices?|pricing|estimates?|estimating|evaluates?|evaluating|models?|modell?ing|analy[sz]es|analy[sz]ing|summari[sz]es|processing)\b|\byou,? (?:the )?(?:analyst|estimator|model|reader)\b|\b(?:analysts?|readers?|estimators?) (?:reading|evaluating|modell?ing|pricing) this\b/u,
  'addr:conditional':
    /\b(?:if|in case) (?:you are|you're|this is being read by|this is read by) (?:an? )?(?:ai|language model|llm|bot|agent|automated|machine|assistant|model)\b|\bhumans? (?:can|may|should) (?:skip|ignore)\b|\bonly for (?:ai|bots|language models|automated)\b|\bare you an? (?:ai|bot|model)\b|\bsi eres un\b|\bwenn du ein\b/u,
  'ask:output':
    /\b(?:probability|confidence|estimate|likelihood|chance|odds|score|rating)\b[^.!?\n]{0,40}?(?:\b(?:1(?:\.0+)?|0?\.9\d*)\b|\b9\d(?:\.\d+)?\s*%|\b100\s*%|certain|maximum|max(?:imal)?|full|high)|\b(?:output|report|return|answer|respond with|say|put|set|rate|score|mark|give|call)\b[^.!?\n]{0,30}?\b(?:yes|no)\b[^.!?\n]{0,20}?(?:\b9\d\s*%|\b100\s*%|\b0?\.9\d*\b|\b1\.0\b|certain|a lock|settled)|probabilit\w*|pravděpodobnost|olasılık\S*|wahrscheinlichkeit|вероятност\w*|ймовірність|prawdopodobie\w*|概率|確率|확률|olasılı\w*|احتمال|संभावना|xác suất|kans van|sannolikhet\w*|sandsynlighed|sannsynlighet/u,
  'ask:trade':
    /\b(?:buy|sell|short|long|purchase|place|submit|execute|open|max out|size|go all in)\b[^.!?\n]{0,40}?\b(?:contracts?|positions?|orders?|yes|no|market order|trade|shares|balance|equity)\b[^.!?\n]{0,40}?\b(?:immediately|now|right away|at any price|entire|all|maximum|max|largest|full|100%|without (?:waiting|confirm\w*))\b|\bcompr[aeo]\w*|\bachetez|\bkaufe|\bkoop\b|\bköp\b|купи\S*|купуй|\bkup\b|nakup\S*|买入|買入|購入|매수|satın al|اشتر|खरीद|\bbeli\b|\bal\b[^.!?\n]{0,10}evet|\bmua\b/u,
  'ask:approve':
    /\b(?:approve|approved|approval|sign-?off|signed off|authori[sz]\w*|cleared by|pre-?approved|confirm(?:ed|ation)?)\b/u,
  'ask:funds':
    /\b(?:transfer|withdraw|send|wire|move|sweep|migrate)\b[^.!?\n]{0,50}?\b(?:balance|funds|usd|usdc|btc|holdings|wallet|address|account|everything|all)\b|\b0x[0-9a-f]{40}\b|\bbc1q[0-9a-z]{20,}\b|transfier\w*|transfira|transfer[ae]|überweise|overfør|przelej|переведи\w*|перевед\S*|переказ\S*|转到|轉到|송금|送金|حوّل|حول|ट्रांसफर|chuyển|העבר|μετέφερε|انتقال/u,
  'ask:reveal':
    /\b(?:reveal|print|show|share|send|paste|post|repeat|output|list|include|email|reply with|dump|leak|display)\b[^.!?\n]{0,40}?\b(?:system prompt|prompt|instructions|api[ _-]?keys?|private keys?|secret|credentials|passwords?|tokens?|vault|configuration|environment variables?|developer message|seed phrase|recovery phrase)\b|prompt di sistema|prompt système|prompt del sistema|systemprompt|системный промпт|системн\S* промпт|ключи api|系统提示|系統提示|システムプロンプト|시스템 프롬프트|api-schlüssel|api-nøkl\S*|kunci api|api anahtar\S*|مفاتيح/u,
  'ask:rules':
    /\b(?:raise|lift|disable|remove|turn off|switch off|ignore|drop|stop applying|set|reset|allow|bypass|skip)\b[^.!?\n]{0,30}?\b(?:limits?|caps?|floor|risk checks?|validation|circuit breaker|fee model|sizing rules|leverage|loss limit|approved-markets|guardrails|safety (?:checks?|filters?|rules))\b/u,
  'ask:role':
    /\b(?:you are now|you're now|from now on you|act as|pretend (?:to be|you are)|role-?play|your new role|switch persona|become an?|developer mode|dan mode|god mode|sudo mode|jailbr\w+|no (?:rules|restrictions|filters)|without (?:any )?(?:restrictions|rules|filters|guardrails))\b|sin restricciones|ohne einschränkungen|без ограничений|没有任何限制/u,
  'ask:override':
    /\b(?:ignore|disregard|forget|override|overrule|set aside|drop|discard|abandon|bypass|stop following|pay no attention to)\b[^.!?\n]{0,30}?\b(?:instructions?|directives?|rules|guidelines|prompts?|programming|guidance|configuration|guardrails|orders)\b|\b(?:instructions?|rules|guidelines|prompt)\b[^.!?\n]{0,20}?\b(?:void|cancell?ed|no longer apply|superseded|obsolete|revoked)\b|\bignor(?:a\w*|ez|er\b|ier\w*|uj\w*)|olvid\w*|oubliez|vergiss|negeer|zignoruj|ignoruj|ignorer|ignorera|negeer|pokyn\S*|instrukc\S*|instruktion\S*|instruksjon\S*|anweisung\S*|инструкци\S*|указани\S*|інструкці\S*|игнориру\w*|забуд\w*|ігноруй|指令|指示|지시|talimat\S*|التعليمات|निर्देश|instruksi|hướng dẫn|הוראות|οδηγίες|دستورالعمل|忽略|无视|無視|무시|yok say|تجاهل|अनदेखा|abaikan|bỏ qua|התעלם|نادیده|αγνόησε/u,
  'claim:authority':
    /\b(?:(?:message|notice|directive|bulletin|memo|instruction|update) from|this is|i am|i'm|signed,?|per|on behalf of)\s+(?:the |your )?(?:operator|admin\w*|developers?|owner|compliance|risk desk|security team|anthropic|system administrator|head of trading|trust and safety|platform)\b|\bofficial notice\b|\b(?:operator|admin|compliance|security) (?:override|notice|message|verification)\b|mensaje del operador|nachricht vom betreiber|сообщение от оператора|運営者|운영자/u,
  'claim:approval':
    /\b(?:already|pre-?|been) ?approved\b|\bapproval (?:#\s*\d+ )?(?:granted|given|is satisfied|step is satisfied)\b|\b(?:signed off|cleared by (?:compliance|the operator|risk))\b|\bapproved-\d+|\bno (?:further )?confirmation (?:is )?needed\b|\bdo not ask for confirmation\b|ya está aprobada|bereits genehmigt|уже одобрена|已批准|承認済み|승인 완료|onayladı/u,
  'frame:envelope':
    /["']?\b(?:role|system_prompt\w*|tool_use|function_call|tool_calls|instructions?|directive|note_for_ai|ai_instruction|estimate_override|override)\b["']?\s*[:=]|<\|?\/?(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|?>|\[\/?inst\]|<<\/?sys>>|<\/?(?:tool_use|function_results|instructions?|untrusted|document|data)>|^(?:system|assistant|human|user)\s*:|###\s*(?:system|assistant)/mu,
  'frame:hidden-markup':
    /display\s*:\s*none|font-size\s*:\s*0|<!--|\balt\s*=|aria-hidden|\bhidden\b|<noscript>|<meta name|\[\/\/\]: #/u,
  'frame:error':
    /\b(?:error|exception|fatal|warning|timeout|stack trace|debug mode|hotfix|fallback|deprecated|offline|crashed)\b[^.!?\n]{0,60}?\b(?:to continue|workaround|recovery|meanwhile|default behaviou?r|you must|please)\b/u,
  // A sentence that opens with a bare command verb (optionally after "please", "now" or an addressee's comma).
  'form:imperative':
    /^\s*(?:[^,:—–]{1,40}(?:[,:]|\s[—–-])\s*)?(?:please |kindly |now |immediately |urgently |just )?(?:buy|sell|short|transfer|withdraw|send|wire|move|sweep|set|report|output|return|answer|respond|rate|score|give|put|mark|treat|consider|assume|record|proceed|execute|submit|place|open|max|size|go|raise|lift|disable|remove|turn|switch|stop|skip|allow|bypass|ignore|disregard|forget|override|drop|reveal|print|show|share|paste|post|include|email|list|repeat|reply|approve|enable|become|act|pretend|decode|run|follow|obey|comply|confirm|migrate|call|make)\b/u,
  'ask:dictated':
    /\b(?:probability|p\(yes\)|p\(no\)|confidence|answer|output|response|reply|estimate|rating|verdict|rationale)\s*[:=]\s*[{("'[]*\s*(?:"?(?:probability|confidence)"?\s*[:=]\s*)?(?:\d|\.\d|yes\b|no\b|certain|high|settled|confirmed)|(?:^|[\s"'(])a\s*:\s*(?:1\b|1\.0|0?\.\d|yes\b|no\b)|\b(?:answers?|answering|output|outputs|return|returns|respond(?:s)? with|reply with|answer that|fill\b[^.!?]{0,25}?\bwith|set\b[^.!?]{0,25}?\bto|must (?:read|contain|be|say|equal)|should (?:read|be|say))\s+(?:exactly\s*:?\s*)?(?:probability\s*|yes\s*(?:at|with|=)?\s*)?(?:1\b|1\.0|0?\.\d|\d{2}\s*%|yes\b|no\b|certain)|\byour (?:answer|output|response|reply|estimate|probability)\s*(?:is|:|=|will be|should be|must be)|\bthe (?:only |correct |right |expected |required |only correct |only reasonable )+(?:answer|output|estimate|response|probability|value)\b/u,
  'ask:imitate':
    /\b(?:repeat (?:this|it|that|the same|for)|continue the (?:pattern|series|sequence|list)|do the same|same (?:answer|output|way|value) (?:for|here|again)|copy (?:this|the|it)|you must copy|follow (?:the|these|this) (?:examples?|pattern|format|template)|like the (?:above|examples?|previous)|as in the examples?|be the good|complete the (?:pattern|answer|example))\b/u,
  'claim:grading':
    /\b(?:correct|incorrect|right|wrong|expected|required|acceptable|good|bad|ideal|model) (?:behaviou?r|answer|output|response|analyst|estimate|format|reply)\b|\b(?:is|are|would be|will be counted as) (?:an? )?(?:error|mistake|failure|wrong)\b|\b(?:graded|penali[sz]ed|rewarded|marked wrong|marked correct|fails? the (?:test|eval\w*))\b|\bincorrect\s*:/u,
  'value:certain':
    /(?<![\d.])(?:0?\.9[5-9]\d*|1\.0+|9[5-9](?:\.\d+)?\s*%|100\s*%)(?!\d|\.\d)|\b(?:with certainty|100 percent|guaranteed|a lock|a sure thing)\b/u,
  'tone:reported':
    /\b(?:said|says|told|urged|asked|asks (?:users|customers|victims|people)|instructed|ordered|issued|announced|according to|reported|found|warned|claimed|tricked|impersonat\w+|researchers|regulators|the company|the bank|officials?)\b/u,
  'tone:prohibition':
    /\b(?:never|don't|do not|dont|must not|should not|shouldn't|no one will ever|will never)\s+(?:\w+\s+){0,2}?(?:share|send|give|enter|paste|reveal|type|sign|approve|trust|click|follow|transfer|override|disregard)\b/u,
  'frame:examples':
    /\b(?:example \d|q:|input:|past answers|training note|template answer|transcript|continue the pattern|good analyst|correct behaviou?r)\b/u,
};

// The model reading has lost its combining marks (canonicalText: "й" reads "и", "ś" reads "s"): so must the lexicon.
const withoutMarks = (re: RegExp) =>
  new RegExp(
    re.source
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .normalize('NFC'),
    re.flags,
  );
const LEXICON = Object.fromEntries(Object.entries(RAW_LEXICON).map(([k, re]) => [k, withoutMarks(re)])) as Record<
  SentenceSignal,
  RegExp
>;

/** A sentence ends at . ! ? or a line break, but not at a decimal point ("0.99"). */
export const SENTENCE = /(?:[^.!?\n。！？]|\.(?=\d))+[.!?\n。！？]*/gu;

// Labels of a worked example's parts ("Q:", "Input:", "Example 2:", "user:", "good analyst:").
const PART_LABEL =
  /(?:^|[\s.;"'(])(?:q|a|question|answer|input|output|example \d+|user|assistant|human|ai|prompt|completion|good \w+|bad \w+|correct|incorrect|market \w)\s*(?::|->|=>|→)/gu;
// The text stops on a slot awaiting its value: "A:", "Output:", "-> probability".
const OPEN_SLOT =
  /(?:\b(?:a|answer|output|response|completion)\s*[:=]|\b(?:probability|estimate|p\(yes\))\s*[:=]?|->|=>|→)\s*["'{([]*\s*$/u;

/** The signals in a reading, and the pairs of an addressee or claim with an ask inside one sentence. */
export function signalsOf(reading: string): Set<string> {
  const found = new Set<string>();
  const sentences = reading.match(SENTENCE) ?? [reading];
  for (const sentence of sentences) {
    const here = (Object.keys(LEXICON) as SentenceSignal[]).filter((s) => LEXICON[s].test(sentence));
    for (const s of here) found.add(s);
    // Who or what carries the ask: an addressee, a claim, a command form, a frame (envelope, error, examples, markup).
    const who = here.filter(
      (s) =>
        s.startsWith('addr:') ||
        s.startsWith('claim:') ||
        s.startsWith('form:') ||
        s.startsWith('frame:') ||
        s === 'ask:override',
    );
    const what = here.filter((s) => s.startsWith('ask:') && s !== 'ask:override');
    if (here.includes('value:certain')) for (const a of what) found.add(`${a}+value:certain`);
    for (const w of who) {
      for (const a of what) {
        found.add(`${w}+${a}`);
        // The same pair by kind only ("an addressee asks for something"), so a new kind of ask or addressee still counts.
        found.add(`${w.split(':')[0]}+${a}`);
        found.add(`${w}+ask`);
        found.add('who+ask');
      }
    }
  }
  if ((reading.match(PART_LABEL)?.length ?? 0) >= 2) found.add('frame:answer-pairs');
  if (OPEN_SLOT.test(reading.trim())) found.add('frame:open-slot');
  // An addressee in one sentence and the ask in the next also count, more weakly (the model weighs each).
  const who = [...found].filter(
    (s) => !s.includes('+') && (s.startsWith('addr:') || s.startsWith('claim:') || s.startsWith('frame:')),
  );
  const what = [...found].filter((s) => !s.includes('+') && s.startsWith('ask:') && s !== 'ask:override');
  for (const w of who) for (const a of what) found.add(`text:${w}+${a}`);
  return found;
}
