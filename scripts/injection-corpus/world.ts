import { int, pick, type Random, type Vocabulary } from './kit';

/**
 * The world the corpus talks about: markets, places, teams, officials, coins and numbers. Ordinary texts and the
 * carriers attacks hide in both draw on it, so an attack is never told apart by its topic.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SERIES = ['KXHIGHNY', 'KXHIGHCHI', 'KXHIGHMIA', 'KXRAINSEA', 'KXFEDDECISION', 'KXCPIYOY', 'KXBTCD', 'KXETHD', 'KXNFLGAME', 'KXNBAGAME', 'KXGDP', 'KXPAYROLLS', 'KXSNOWDEN', 'KXSENATE', 'KXAPPROVAL', 'KXOSCARPIC', 'KXJOBLESS', 'KXGASPRICE', 'KXTSAPAX', 'KXHURRICANE'];

export function ticker(r: Random): string {
  const series = pick(r, SERIES);
  const day = `${int(r, 25, 27)}${pick(r, MONTHS).toUpperCase()}${String(int(r, 1, 28)).padStart(2, '0')}`;
  return `${series}-${day}-${pick(r, ['T', 'B', 'H'])}${int(r, 2, 120) * (series.includes('BTC') ? 1000 : 1)}`;
}

export const date = (r: Random): string => `${pick(r, MONTH_NAMES)} ${int(r, 1, 28)}`;
export const price = (r: Random): string => `${int(r, 3, 97)}c`;
export const pct = (r: Random): string => `${int(r, 1, 9)}.${int(r, 0, 9)}%`;
export const bigPct = (r: Random): string => `${int(r, 91, 100)}%`;
export const certain = (r: Random): string => pick(r, ['0.97', '0.98', '0.99', '0.995', '1.0', '1', '0.999']);
export const money = (r: Random): string => `$${int(r, 2, 900)}${pick(r, [' million', ' billion', ',000', ''])}`;
export const wallet = (r: Random): string => `0x${Array.from({ length: 40 }, () => '0123456789abcdef'[int(r, 0, 15)]).join('')}`;
export const btcAddress = (r: Random): string => `bc1q${Array.from({ length: 38 }, () => 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'[int(r, 0, 31)]).join('')}`;
export const txHash = (r: Random): string => Array.from({ length: 64 }, () => '0123456789abcdef'[int(r, 0, 15)]).join('');
export const count = (r: Random): string => String(pick(r, [50, 100, 250, 500, 1000, 2000, 5000]));
export const temperature = (r: Random): string => `${int(r, 12, 104)}°F`;

export const WORLD: Vocabulary = {
  ticker,
  date,
  price,
  pct,
  bigPct,
  certain,
  money,
  wallet,
  btcAddress,
  txHash,
  count,
  temperature,
  n: (r) => String(int(r, 2, 40)),
  year: ['2025', '2026', '2027', '2028'],
  weekday: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  city: ['New York', 'Chicago', 'Miami', 'Seattle', 'Denver', 'Austin', 'Phoenix', 'Boston', 'Atlanta', 'Los Angeles', 'Philadelphia', 'Minneapolis', 'Houston', 'Las Vegas', 'Nashville', 'Detroit'],
  state: ['Ohio', 'Arizona', 'Georgia', 'Pennsylvania', 'Nevada', 'Michigan', 'Wisconsin', 'North Carolina', 'Texas', 'Florida', 'Maine', 'Montana'],
  team: ['the Lakers', 'the Celtics', 'the Chiefs', 'the Eagles', 'the Yankees', 'the Dodgers', 'the Warriors', 'the Bills', 'the Packers', 'the Knicks', 'the Bruins', 'the Rangers', 'Arsenal', 'Real Madrid', 'the Nuggets', 'the 49ers'],
  coin: ['bitcoin', 'ether', 'solana', 'XRP', 'dogecoin', 'cardano', 'litecoin', 'avalanche', 'chainlink', 'polkadot'],
  coinTicker: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'ADA', 'LTC', 'AVAX', 'LINK', 'DOT'],
  exchange: ['Coinbase', 'Kraken', 'Binance', 'Gemini', 'Bitstamp', 'OKX', 'Bybit'],
  agency: ['the SEC', 'the CFTC', 'the Treasury', 'the FAA', 'the EPA', 'the FDA', 'the Federal Reserve', 'the ECB', 'the Bank of England', 'the FTC', 'FINRA', 'the IRS', 'the Department of Labor', 'the NWS'],
  official: ['the Fed chair', 'the Treasury secretary', 'the SEC chair', 'the governor', 'the mayor', 'the commissioner', 'the central bank governor', 'the health minister', 'the attorney general', 'the labor secretary', 'the finance minister'],
  candidate: ['the incumbent', 'the challenger', 'the Democratic nominee', 'the Republican nominee', 'the independent candidate', 'the former governor', 'the state senator'],
  indicator: ['CPI', 'core PCE', 'nonfarm payrolls', 'GDP', 'the unemployment rate', 'retail sales', 'jobless claims', 'the ISM manufacturing index', 'housing starts', 'PPI', 'consumer sentiment'],
  company: ['Apple', 'Nvidia', 'Tesla', 'Microsoft', 'Amazon', 'Meta', 'Alphabet', 'Netflix', 'JPMorgan', 'Boeing', 'Coinbase', 'MicroStrategy', 'Robinhood'],
  venue: ['Kalshi', 'Polymarket', 'PredictIt', 'the exchange', 'the prediction market'],
  weather: ['rain', 'snow', 'thunderstorms', 'a heat wave', 'freezing fog', 'high winds', 'a tropical storm', 'hail'],
  handle: ['@macro_mike', '@rainman_trades', '@degenpete', '@fedwatcher', '@quantqueen', '@wx_nerd', '@the_kelly_guy', '@btc_barbara', '@pollster_pat', '@sharpsideSam', '@chartcat', '@yieldhawk'],
  user: ['trader_joe', 'moonboi', 'rainmaker22', 'fedspeak', 'kellycriterion', 'wxgeek', 'sharp_sam', 'deltaneutral', 'onchain_olga', 'pollnerd', 'bagholder9', 'lurker_lou'],
};
