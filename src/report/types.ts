// Shapes shared by the metrics, the result CSV parser and the report renderer; all JSON-ready.

/** One evaluated example: the true label, the model's answer and, for binary tasks, P(positive). */
export interface PredictionRow {
  /** The true label (the record's completion, without separator or ending). */
  expected: string;
  /** The model's answer, mapped back to a label when possible; anything else counts as wrong. */
  predicted: string;
  /** Probability of the positive class in [0, 1]; needed on every row for AUROC/AUPRC. */
  score?: number;
}

/** Options for computeClassificationMetrics. */
export interface ClassificationOptions {
  /**
   * The positive class of a binary task.
   * @default the last of the two labels in code-unit order (`spam` of ham/spam, `yes` of no/yes, `1` of 0/1)
   */
  positive?: string;
  /**
   * The class labels, in the order reports show them. Every `expected` value must be one of them.
   * @default the distinct `expected` values, sorted
   */
  labels?: string[];
}

/** Precision, recall and F1 of one class, with its support (rows whose expected label is the class). */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** A confusion matrix: `matrix[i][j]` counts rows expected `labels[i]` and predicted `labels[j]`. */
export interface ConfusionMatrix {
  /** The class labels, then every predicted value outside them (sorted), so the matrix is square. */
  labels: string[];
  /** Rows are expected labels, columns predicted labels; rows of out-of-set predictions are all 0. */
  matrix: number[][];
}

/** Ranking metrics of a binary task, from `score` = probability of the positive class. */
export interface BinaryMetrics {
  positive: string;
  /** Area under the ROC curve (rank-based, ties get half credit); null when a class is absent. */
  auroc: number | null;
  /** Average precision, as sklearn's average_precision_score; null when there is no positive row. */
  auprc: number | null;
}

/** Classification metrics over a validation set, as written to metrics.json. */
export interface ClassificationMetrics {
  /** Number of evaluated rows. */
  n: number;
  /** Fraction of rows whose prediction equals the expected label exactly. */
  accuracy: number;
  /** The class labels (see ClassificationOptions.labels). */
  labels: string[];
  per_class: Record<string, ClassMetrics>;
  /** Unweighted mean of the classes' F1. */
  macro_f1: number;
  /** Mean of the classes' F1 weighted by support. */
  weighted_f1: number;
  confusion: ConfusionMatrix;
  /** Present for two-class tasks whose rows all carry a score. */
  binary?: BinaryMetrics;
}

/** One row of a fine-tuning job's result CSV; an absent or empty cell is null. */
export interface ResultRow {
  step: number;
  train_loss: number | null;
  train_accuracy: number | null;
  valid_loss: number | null;
  valid_mean_token_accuracy: number | null;
}

/** A wrong prediction shown in the report, most confident first. */
export interface WorstError {
  /** 1-based source row. */
  row: number;
  prompt: string;
  expected: string;
  predicted: string;
  /** The model's probability for its (wrong) answer, in [0, 1]. */
  confidence: number;
}

/** Everything renderReport needs; all strings are user text and are escaped on output. */
export interface ReportInput {
  title: string;
  /** Pipeline file, relative to the project root. */
  pipeline?: string;
  /** Base model. */
  model?: string;
  fine_tuned_model?: string;
  job_id?: string;
  metrics: ClassificationMetrics;
  /** The training job's result CSV, parsed; may be empty. */
  results: ResultRow[];
  /** The job's epochs (its resolved `n_epochs`), to mark epoch boundaries on the training charts. */
  n_epochs?: number;
  /** The most confident wrong predictions, already sorted and cut by the caller. */
  worst: WorstError[];
  /** A footer line such as `tunefile 0.1.0`; never a timestamp, so output stays reproducible. */
  generated_by?: string;
}

/** The three renderings of one report. */
export interface RenderedReport {
  /** Self-contained HTML page: inline CSS and SVG, a CSP that forbids every network request. */
  html: string;
  /** Short summary for pull requests. */
  markdown: string;
  /** Canonical metrics.json: sorted keys, 2-space indent, trailing newline. */
  metricsJson: string;
}
