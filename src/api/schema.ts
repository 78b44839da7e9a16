// Generated from jupyter_llama_neuron/openapi/ by `jlpm build:api-types`: do not edit by hand.
export type paths = {
  '/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Active backend, region and account (or local mode), local model readiness, versions, and the rules the UI checks as the user types (inference parameters, names, dataset URIs, training assumptions). */
    get: operations['getStatus'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/models': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The catalog of Llama 2 Neuron models. */
    get: operations['listModels'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/models/{model_id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @example meta-textgenerationneuron-llama-2-7b */
        model_id: components['parameters']['ModelId'];
      };
      cookie?: never;
    };
    /** A model card with precompiled configurations, training spec, prices and example prompts. */
    get: operations['getModelCard'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/models/{model_id}/eula': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @example meta-textgenerationneuron-llama-2-7b */
        model_id: components['parameters']['ModelId'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Record that the user accepted the model's licence and Acceptable Use Policy. */
    post: operations['acceptEula'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/endpoints': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Endpoints this extension created (found by tag on AWS, or in the local store). */
    get: operations['listEndpoints'];
    put?: never;
    /**
     * Deploy a model with one of its precompiled configurations.
     * @description Everything is validated before anything is created: the model must be known and allowed, its licence accepted, and the configuration must be one of the model's precompiled tuples (omit it for the default). The same client_token twice returns the endpoint the first request created.
     */
    post: operations['createEndpoint'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/endpoints/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    /** One endpoint's status, configuration, price and cost so far. */
    get: operations['describeEndpoint'];
    put?: never;
    post?: never;
    /** Delete the endpoint together with its endpoint configuration and model. */
    delete: operations['deleteEndpoint'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/endpoints/{name}/invocations': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Generate text with an InService endpoint (JSON, or server-sent events with Accept text/event-stream).
     * @description The body is a completion prompt {inputs, parameters} or, for chat models only (catalog chat true; 400 NotAChatModel otherwise), a chat {messages, parameters}: an optional leading system message, then strictly alternating user/assistant messages ending with user, at most 200. On SageMaker the chat is rendered with Meta's Llama 2 template (template markers inside message text are neutralised with a zero-width space) and the prompt plus max_new_tokens must fit the deployment's context length (n_positions): the prompt is counted with the Llama 2 tokenizer shipped with the extension, or estimated at one token per 3 characters without it (the 400 ContextLengthExceeded message says which). In local mode the worker renders chat with the served model's own template and enforces the context length exactly. Without Accept text/event-stream the answer is one JSON InvocationResult. With it the answer is a text/event-stream of events, each "event: <name>" and "data: <one line of JSON>" followed by a blank line, flushed one at a time - token {"text"} (repeated, incremental), fallback {"reason"} (the endpoint cannot stream; the whole answer follows as one token), done (an InvocationResult with streamed true, or false after a fallback), error {"error": {code, message, hint}} (after the stream started). Validation errors, and a full local queue (429 EndpointBusy with Retry-After), are ordinary JSON errors with their status, before any event. Closing the connection cancels the generation.
     */
    post: operations['invokeEndpoint'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/endpoints/{name}/restart': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Start a Failed endpoint again with the same model and configuration (Creating, then InService).
     * @description Offered only where the endpoint's actions include "restart": a Failed endpoint in local mode (its worker crashed, was killed or could not load) gets a new worker. SageMaker allows only DeleteEndpoint on a Failed endpoint, so there every restart is a 409 RestartUnsupported. A 409 EndpointNotFailed when the endpoint is not Failed.
     */
    post: operations['restartEndpoint'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/endpoints/{name}/auto-delete': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    get?: never;
    /**
     * Set how many idle minutes (no invocations) this endpoint may run before the cost guard deletes it.
     * @description idle_minutes null follows the server default (LlamaNeuronApp.auto_delete_idle_minutes), 0 never deletes this endpoint, otherwise 5 to 10080 minutes. Stored with the endpoint (the tag jupyter-llama-neuron:auto-delete-idle-minutes on SageMaker, the record in local mode), so it survives restarts. A new or lowered limit never deletes at once: a warning period comes first.
     */
    put: operations['setEndpointAutoDelete'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/endpoints/{name}/keep': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Keep the endpoint - no auto-delete for the given minutes (the idle clock starts again).
     * @description Stores keep-until = now + minutes (the tag jupyter-llama-neuron:keep-until on SageMaker, the record in local mode). Without minutes, the endpoint's auto-delete limit (or 60).
     */
    post: operations['keepEndpoint'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/sagemaker-payload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The InvokeEndpoint body SageMaker would receive for an invocation request, without invoking.
     * @description For "copy as code" before anything is sent: the same body as POST /endpoints/{name}/invocations (inputs or chat messages, and parameters), validated the same way, with chat rendered with Meta's Llama 2 template on the server (markers inside message text neutralised). Lengths are checked against Llama 2's context window (4096); an endpoint's own n_positions is checked when it is invoked.
     */
    post: operations['renderSageMakerPayload'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/cost-guard': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Total hourly burn, per-endpoint idle time and deadlines, warnings and the deletion log.
     * @description The cost guard checks our endpoints every LlamaNeuronApp.cost_guard_interval seconds (one CloudWatch GetMetricData for all SageMaker endpoints, metric AWS/SageMaker Invocations, Sum per minute; the last request time in local mode) and deletes InService endpoints idle longer than their limit, after a warning period (5 min or 20 % of the limit, the longer, at most half). This answer reuses the last check unless it is older than the interval. Only endpoints this extension created are ever considered.
     */
    get: operations['getCostGuard'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/datasets/uploads': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Stream a local dataset file to the server (raw body, written to disk as it arrives).
     * @description The body is the file's bytes (any Content-Type; chunked transfer encoding is accepted). Files larger than LlamaNeuronApp.max_upload_mb (default 200) are refused with 413 and nothing is kept. The returned upload:// uri is then given to POST /datasets/preflight and POST /datasets. Query string (required): filename=<name> - the file's name with its extension (.jsonl or .txt), e.g. /datasets/uploads?filename=dolly-train.jsonl.
     */
    post: operations['uploadDataset'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/datasets/preflight': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Validate and render a dataset; the report lists every problem by line before anything is launched.
     * @description Problems in the data (bad JSON, missing fields, encoding, extension, several files under an s3 prefix) are reported in the 200 answer's errors, each with its line number and what to fix; a 400 means the request itself is wrong (unknown dataset_format, invalid template, bad uri, s3:// in local mode).
     */
    post: operations['preflightDataset'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/datasets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Render the dataset into the single train.jsonl the Neuron training container reads, and store it.
     * @description SageMaker mode stores s3://<settings.s3_bucket or sagemaker-<region>-<account>>/jupyter-llama-neuron/datasets/<id>/train.jsonl (the default bucket is created when missing); local mode stores <data_dir>/local/datasets/<id>/train.jsonl. A dataset whose preflight has errors is refused with 400 (code DatasetHasErrors, details.errors).
     */
    post: operations['storeDataset'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/training-jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Training jobs this extension started (found by tag on AWS, or in the local store), newest first.
     * @description loss and log_tail are empty in the list; describe one job to get them.
     */
    get: operations['listTrainingJobs'];
    put?: never;
    /**
     * Start fine-tuning (JumpStartEstimator on Trainium, or LoRA locally).
     * @description Everything is validated before anything starts: the model must be known, allowed and fine-tunable, its licence accepted (403 EulaNotAccepted), the instance one of the model's training instances, every hyperparameter known and within the catalog's range or options (400 naming the range), and the dataset URI of the active backend's kind (s3:// on SageMaker; the file:// uri of a dataset stored by POST /datasets in local mode). The same client_token twice returns the job the first request started. Local mode trains one job at a time (409 LocalTrainingBusy).
     */
    post: operations['createTrainingJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/training-jobs/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['TrainingJobName'];
      };
      cookie?: never;
    };
    /** Status, secondary status, loss series, log tail, output model, price and cost so far. */
    get: operations['describeTrainingJob'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/training-jobs/{name}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['TrainingJobName'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Stop a job in progress (Stopping, then Stopped; a stopped local job saves nothing). */
    post: operations['stopTrainingJob'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/notebooks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Write an example notebook for one step (deploy, invoke, train, compare, cleanup) into the Jupyter root.
     * @description The notebook holds the code for exactly the chosen configuration, with short explanations, the EULA requirement and the price per hour: SageMaker Python SDK code (v3: ModelBuilder / ModelTrainer .from_jumpstart_config; v2: JumpStartModel / JumpStartEstimator; by default the major installed with the server, sdk overrides it), opening with a cell that checks the kernel's SDK major and says what to do when it differs, with the Llama 2 chat template defined in the notebook itself, when the active backend is SageMaker, or calls through jupyter_llama_neuron.client in local mode (flavour overrides this). Inputs are validated like the corresponding operations: known and allowed model, a precompiled config, parameters within their ranges, hyperparameters within the catalog's ranges. The file gets a new readable name that never overwrites another (llama-2-7b-deploy.ipynb, llama-2-7b-deploy-1.ipynb, ...); path is relative to the Jupyter root, ready for JupyterLab's docmanager:open.
     */
    post: operations['createNotebook'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/evaluations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The saved evaluations, newest first, without their rows. */
    get: operations['listEvaluations'];
    put?: never;
    /**
     * Send the same rows to one or two InService endpoints with the same parameters and score the answers.
     * @description Rows come from the body (rows), from the held-out rows of a dataset stored with holdout > 0 (dataset_uri: the uri POST /datasets returned, which is also a training job's dataset_uri), or from an uploaded JSON Lines file with prompt and reference fields (dataset_uri: upload://...). Runs in the background; poll GET /evaluations/{evaluation_id} for progress and the report. With two endpoints the second (the fine-tuned one) is compared with the first (the base): paired differences and win / tie / loss on ROUGE-L.
     */
    post: operations['createEvaluation'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/evaluations/{evaluation_id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    /** Status, progress (rows done / total), the rows answered so far and, once finished, the summary. */
    get: operations['getEvaluation'];
    put?: never;
    post?: never;
    /** Delete a finished evaluation's report (409 while it runs). */
    delete: operations['deleteEvaluation'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/evaluations/{evaluation_id}/stop': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Stop a running evaluation; the rows answered so far are kept and summarised. */
    post: operations['stopEvaluation'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/evaluations/{evaluation_id}/export': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    /**
     * The report as a file to download (Content-Disposition attachment).
     * @description markdown - the summary and every row; csv - one line per row (cells that a spreadsheet would run as a formula get a leading quote); bedrock - JSON Lines for an Amazon Bedrock model evaluation job with your own inference responses, one file per endpoint ({prompt, referenceResponse, modelResponses: [{response, modelIdentifier}]}, modelIdentifier = the endpoint name, to be given as the job's precomputedInferenceSource.inferenceSourceIdentifier). Query string: format=markdown|csv|bedrock (required); endpoint=<name> (bedrock only; default the last endpoint, the fine-tuned one).
     */
    get: operations['exportEvaluation'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/evaluations/{evaluation_id}/notebook': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Write the evaluation as a notebook (the same rows, endpoints, parameters and metrics) into the Jupyter root. */
    post: operations['createEvaluationNotebook'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/storage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What this server keeps on this machine's disk, with sizes: in local mode the converted model, each stored dataset (with its held-out rows) and each training job's fine-tuned model; in both modes uploads and held-out rows. Uploads older than a day are removed when the server starts. */
    get: operations['listLocalStorage'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/storage/{kind}/{item_id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        kind: components['schemas']['StorageKind'];
        item_id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete a dataset, a training job's fine-tuned model (the job's record and loss curve stay), an upload or held-out rows. 409 while a training job or endpoint uses it (the message names them) and for the converted model, which the server keeps. */
    delete: operations['deleteLocalStorage'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
};
export type webhooks = Record<string, never>;
export type components = {
  schemas: {
    Error: {
      error: {
        /**
         * @example ConfigNotPrecompiled
         * @example EulaNotAccepted
         * @example ModelNotFound
         */
        code: string;
        message: string;
        hint: string;
        details?: Record<string, unknown>;
      };
    };
    ResourceName: string;
    /** @description Indicative on-demand USD per instance-hour (see price_label); null when no price is known. */
    Price: number | null;
    LocalModelReadiness: {
      /** @enum {unknown} */
      state: 'missing' | 'converting' | 'ready' | 'unavailable';
      progress: number | null;
      message: string;
      label: string;
    };
    Status: {
      rules: components['schemas']['ServerRules'];
      version: string;
      /** @enum {unknown} */
      backend: 'local' | 'sagemaker';
      /** @enum {unknown} */
      backend_choice: 'auto' | 'sagemaker' | 'local';
      /**
       * @example Local mode (no AWS account)
       * @example SageMaker · us-east-1 · 123456789012
       */
      label: string;
      region: string | null;
      account: string | null;
      arn?: string | null;
      /** @description Why this backend was chosen. */
      reason: string;
      local_model: null | components['schemas']['LocalModelReadiness'];
      /** @example indicative, on-demand, 2024-12-01 */
      price_label: string;
      /** @description Present when the AWS identity could not be read; the rest of the status still answers. */
      error?: {
        code: string;
        message: string;
        hint: string;
        details?: Record<string, unknown>;
      };
    };
    /** @description The rules the server applies, handed to the UI so it checks the same ones as the user types and copies none of them. */
    ServerRules: {
      inference_parameters: {
        /**
         * @description Llama 2's context window; ranges are given for it. For a deployment, a capped_by_context maximum is its n_positions.
         * @example 4096
         */
        context_length: number;
        /** @example 4 */
        max_stop_sequences: number;
        /** @description Every supported parameter, in the order a form shows them. */
        parameters: components['schemas']['InferenceParameterSpec'][];
      };
      /** @description Endpoint and training job names (SageMaker's rule, also in local mode). */
      resource_name: {
        /**
         * @description A regular expression valid in ECMAScript and Python.
         * @example ^[a-zA-Z0-9](-*[a-zA-Z0-9])*$
         */
        pattern: string;
        /** @example 63 */
        max_length: number;
        /** @description What to tell the user when a name breaks the rule. */
        message: string;
      };
      dataset_uri: {
        /** @example ^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$ */
        s3_pattern: string;
        /**
         * @description Local training reads only datasets stored on this server (POST /datasets), named by their file:// URI.
         * @example file://
         */
        local_prefix: string;
        /**
         * @description What this server's training reads (s3 on SageMaker, file in local mode).
         * @enum {unknown}
         */
        kind: 's3' | 'file';
      };
      training: {
        duration_assumption: components['schemas']['DurationAssumption'];
        /** @description What the catalog's hyperparameters mean in local mode (LoRA on the local stand-in). */
        local_hyperparameters: {
          method: string;
          settings: {
            /** @example learning_rate */
            name: string;
            /** @description The local default, used when the value is left at the SageMaker default. */
            default: number;
            meaning: string;
          }[];
          /**
           * @description What every other hyperparameter means locally.
           * @example no local meaning
           */
          other_meaning: string;
          note: string;
        };
      };
    };
    InferenceParameterSpec: {
      /** @enum {unknown} */
      name:
        | 'max_new_tokens'
        | 'do_sample'
        | 'temperature'
        | 'top_p'
        | 'top_k'
        | 'num_beams'
        | 'early_stopping'
        | 'no_repeat_ngram_size'
        | 'max_length'
        | 'stop'
        | 'return_full_text';
      /**
       * @description stop: a list of strings.
       * @enum {unknown}
       */
      type: 'int' | 'float' | 'bool' | 'stop';
      /** @description What a form starts with; null = left empty (not sent). */
      default: number | boolean | null;
      /** @description May be left empty (then not sent). */
      optional: boolean;
      /** @description Only meaningful (and only sent) with do_sample true. */
      sampling_only: boolean;
      min: number | null;
      /** @description For capped_by_context, the context length given above. */
      max: number | null;
      exclusive_min: boolean;
      exclusive_max: boolean;
      /** @description The maximum is the deployment's n_positions. */
      capped_by_context: boolean;
      description: string;
      /**
       * @description The valid range in words, as error messages name it.
       * @example a number in (0, 1)
       */
      range: string;
      /** @description A valid value above which the UI warns (with the reason); null when none. */
      warn_above: null | {
        /** @example 2 */
        value: number;
        reason: string;
      };
    };
    /** @description Fine-tunable models only. What the cost estimate (price_per_hour x minutes / 60) assumes: an assumption with its basis, not a measurement; local_seconds_per_step for local mode. */
    DurationAssumption: {
      minutes: number;
      basis: string;
      note: string;
      local_seconds_per_step?: number;
      local_basis?: string;
    };
    ModelSummary: {
      /** @example meta-textgenerationneuron-llama-2-7b */
      id: string;
      display_name: string;
      /** @example 7B */
      params: string;
      size_b: number;
      chat: boolean;
      /** @description The licence must be accepted before deploy or training. */
      gated: boolean;
      fine_tunable: boolean;
      default_instance_type: string;
      price_per_hour: components['schemas']['Price'];
      description: string;
      keywords: string[];
      eula_accepted: boolean;
      /** @description False when the server's allowed_model_ids excludes the model. */
      allowed: boolean;
    };
    ModelList: {
      models: components['schemas']['ModelSummary'][];
    };
    DeploymentConfig: {
      /** @example ml.inf2.xlarge */
      instance_type: string;
      /** @description Context length (OPTION_N_POSITIONS). */
      n_positions: number;
      /** @description Concurrent requests (OPTION_MAX_ROLLING_BATCH_SIZE). */
      max_rolling_batch_size: number;
      /** @description NeuronCores used (OPTION_TENSOR_PARALLEL_DEGREE). */
      tensor_parallel_degree: number;
      /** @example fp16 */
      dtype: string;
    };
    PrecompiledConfig: {
      instance_type: string;
      n_positions: number;
      max_rolling_batch_size: number;
      tensor_parallel_degree: number;
      dtype: string;
      price_per_hour: components['schemas']['Price'];
      is_default: boolean;
      /** @description False when the tuple is JumpStart's default but was not confirmed as precompiled (70B). */
      confirmed: boolean;
      /** @description False when the server's allowed_instance_types excludes it. */
      allowed: boolean;
    };
    Hyperparameter: {
      name: string;
      /** @enum {unknown} */
      type: 'int' | 'float' | 'text';
      default: string | number;
      min: number | null;
      max: number | null;
      options: null | string[];
      description: string;
    };
    EulaRecord: {
      model_id: string;
      eula_url: string;
      aup_url: string;
      /** Format: date-time */
      accepted_at: string;
      user: string;
      /** @description With same_license, every model id the acceptance now covers (this one first). */
      covers?: string[];
    };
    EulaAccept: {
      /** @constant */
      accept: true;
      /** @description Also accept it for every catalog model under the same licence (one record each). */
      same_license?: boolean;
    };
    ModelCard: components['schemas']['ModelSummary'] & {
      /**
       * @description JumpStart model version spec.
       * @example 1.*
       */
      version: string;
      license: string;
      eula_url: string;
      aup_url: string;
      eula: null | components['schemas']['EulaRecord'];
      context_window?: number;
      precompiled_configs: components['schemas']['PrecompiledConfig'][];
      config_note: string;
      instance_types: {
        instance_type: string;
        price_per_hour: components['schemas']['Price'];
        neuron_cores: number;
        vcpus: number | null;
        memory_gib: number | null;
        accelerator_memory_gib: number | null;
        /** @description An estimate */
        typical_minutes?: number | null;
      }[];
      typical_minutes_note?: string;
      gpu_comparison: {
        instance_type: string;
        price_per_hour: components['schemas']['Price'];
        note: string;
      }[];
      training: {
        supported: boolean;
        note: string;
        default_instance_type: string | null;
        instance_types: {
          instance_type: string;
          price_per_hour: components['schemas']['Price'];
          price_note?: string;
        }[];
        hyperparameters: components['schemas']['Hyperparameter'][];
        /** @description Fine-tunable models only. What deploying a fine-tuned model does (the deploy form shows it). */
        deploy_note?: string;
        duration_assumption?: components['schemas']['DurationAssumption'];
      };
      example_prompts: {
        title: string;
        inputs: string;
        parameters: components['schemas']['InvocationParameters'];
      }[];
      price_label: string;
      price_source?: string;
      local_stand_in: string;
      sources?: string[];
    };
    Endpoint: {
      name: components['schemas']['ResourceName'];
      status: components['schemas']['EndpointStatus'];
      failure_reason: string | null;
      model_id: string;
      model_display_name: string;
      config: null | components['schemas']['DeploymentConfig'];
      instance_type: string | null;
      /** Format: date-time */
      created_at: string;
      age_s: number;
      /** @enum {unknown} */
      backend: 'local' | 'sagemaker';
      serving_label: string;
      training_job: string | null;
      /** @description The catalog's indicative price; null in local mode, where nothing is billed. */
      price_per_hour: components['schemas']['Price'];
      /** @description price_per_hour x hours since created_at (0 when Failed). */
      cost_so_far: number;
      /** Format: date-time */
      last_invoked_at: string | null;
      /** @description Estimated time to InService. */
      typical_minutes: number | null;
      /** @description Minutes since the last invocation (or since creation); null unless InService and its activity was read (on SageMaker by the cost guard's last check). */
      idle_minutes: number | null;
      /** @description idle_minutes is a lower bound: no invocation in the window read. */
      idle_capped: boolean;
      /** Format: date-time */
      last_activity_at: string | null;
      /** @description The idle minutes after which the cost guard deletes it (its own or the server default); null never. */
      auto_delete_idle_minutes: number | null;
      /**
       * @description Whether the limit is the endpoint's own or the server default.
       * @enum {unknown}
       */
      auto_delete_source: 'endpoint' | 'server';
      /**
       * Format: date-time
       * @description No auto-delete before this time.
       */
      keep_until: string | null;
      /**
       * Format: date-time
       * @description When the cost guard will delete it if it stays idle.
       */
      deletes_at: string | null;
      /** @description The deletion is near (within the warning period). */
      warning: boolean;
      /** @description What can be done to it besides deleting, decided by the server from its status and backend: "restart" (POST /endpoints/{name}/restart) for a Failed endpoint in local mode. */
      actions: 'restart'[];
    };
    /**
     * @description SageMaker's EndpointStatus values (botocore sagemaker service-2.json); local mode uses the same words.
     * @enum {unknown}
     */
    EndpointStatus:
      | 'OutOfService'
      | 'Creating'
      | 'Updating'
      | 'SystemUpdating'
      | 'RollingBack'
      | 'InService'
      | 'Deleting'
      | 'Failed'
      | 'UpdateRollbackFailed';
    EndpointList: {
      endpoints: components['schemas']['Endpoint'][];
    };
    CreateEndpoint: {
      model_id: string;
      /** @description One of the model's precompiled tuples; omit for the model's default. */
      config?: null | components['schemas']['DeploymentConfig'];
      /** @description Default <model>-<yyyymmdd-hhmmss>. */
      endpoint_name?: null | components['schemas']['ResourceName'];
      /** @description Deploy the fine-tuned model this training job produced. */
      training_job?: null | components['schemas']['ResourceName'];
      /** @description Idempotency key; the same token twice creates one endpoint. */
      client_token?: string | null;
      /** @description Auto-delete after this many idle minutes (0 never; omit or null for the server default). */
      auto_delete_idle_minutes?: components['schemas']['IdleMinutes'];
    };
    IdleMinutes: null | 0 | number;
    AutoDeleteRequest: {
      idle_minutes: components['schemas']['IdleMinutes'];
    };
    KeepRequest: {
      minutes?: number;
    };
    CostGuardEndpoint: {
      name: string;
      status: components['schemas']['EndpointStatus'];
      price_per_hour: components['schemas']['Price'];
      idle_minutes: number | null;
      idle_capped: boolean;
      /** Format: date-time */
      last_activity_at: string | null;
      auto_delete_idle_minutes: number | null;
      /** @enum {unknown} */
      auto_delete_source: 'endpoint' | 'server';
      /** Format: date-time */
      keep_until: string | null;
      /** Format: date-time */
      deletes_at: string | null;
      warning: boolean;
    };
    CostGuardWarning: {
      endpoint: string;
      /** Format: date-time */
      deletes_at: string;
      idle_minutes: number;
      auto_delete_idle_minutes: number;
      price_per_hour: components['schemas']['Price'];
    };
    CostGuardDeletion: {
      endpoint: string;
      /** @enum {unknown} */
      backend: 'local' | 'sagemaker';
      model_id: string;
      model_display_name?: string;
      instance_type: string | null;
      price_per_hour: components['schemas']['Price'];
      /** Format: date-time */
      created_at?: string | null;
      /** Format: date-time */
      last_activity_at?: string | null;
      idle_minutes: number;
      auto_delete_idle_minutes: number;
      /** Format: date-time */
      deleted_at: string;
      cost_so_far?: number;
      reason: string;
    };
    CostGuard: {
      /** @description The server default auto-deletes (default_idle_minutes > 0). */
      enabled: boolean;
      /** @description LlamaNeuronApp.auto_delete_idle_minutes (0 off). */
      default_idle_minutes: number;
      min_idle_minutes?: number;
      max_idle_minutes?: number;
      /** @enum {unknown} */
      backend?: 'local' | 'sagemaker';
      /** Format: date-time */
      checked_at: string;
      interval_s: number;
      /** @description False when the activity could not be read (then nothing is deleted). */
      activity_known: boolean;
      notes: string[];
      /** @description USD per hour of all billed endpoints and running training jobs. */
      total_hourly_burn: number;
      endpoints_hourly_burn: number;
      training_hourly_burn: number;
      endpoints: components['schemas']['CostGuardEndpoint'][];
      warnings: components['schemas']['CostGuardWarning'][];
      /** @description The cost guard's deletions, newest first (the last 50, from a log in the data dir). */
      deletions: components['schemas']['CostGuardDeletion'][];
    };
    DeleteResult: {
      name: string;
      /** @constant */
      deleted: true;
    };
    /** @description The parameters the Llama 2 Neuron endpoints document. Length limits are capped by the deployment's context length (n_positions). */
    InvocationParameters: {
      max_new_tokens?: number;
      max_length?: number;
      temperature?: number;
      top_p?: number;
      top_k?: number;
      do_sample?: boolean;
      num_beams?: number;
      no_repeat_ngram_size?: number;
      early_stopping?: boolean;
      stop?: string[];
      return_full_text?: boolean;
    };
    ChatMessage: {
      /** @enum {string} */
      role: 'system' | 'user' | 'assistant';
      content: string;
    };
    InvocationRequest: {
      /** @description A completion prompt */
      inputs?: string;
      /** @description Chat models only. Optional leading system message, then alternating user/assistant, ending with user. */
      messages?: [
        {
          /** @enum {unknown} */
          role?: 'system' | 'user';
        }
      ];
      parameters?: null | components['schemas']['InvocationParameters'];
    } & (unknown | unknown);
    /** @description The InvokeEndpoint body a SageMaker endpoint receives for this request (chat rendered with the Llama 2 template), also in local mode, for "copy as code". A streamed request on SageMaker additionally sends "stream": true, with InvokeEndpointWithResponseStream. */
    SageMakerPayload: {
      inputs: string;
      parameters: components['schemas']['InvocationParameters'];
    };
    InvocationResult: {
      generated_text: string;
      /** @description null when the endpoint does not say (SageMaker streams). */
      tokens_out: number | null;
      latency_s: number | null;
      /** @description Seconds to the first token; null when not observable (a non-streamed SageMaker answer). */
      ttft_s: number | null;
      /**
       * @example length
       * @example eos_token
       * @example stop_sequence
       * @example cancelled
       */
      finish_reason: string | null;
      /** @description Whether the answer arrived token by token. */
      streamed: boolean;
      sagemaker_payload: components['schemas']['SageMakerPayload'];
    };
    InvocationTokenEvent: {
      text: string;
    };
    InvocationFallbackEvent: {
      reason: string;
    };
    /** @description Exactly one source - pasted {filename, content} (at most 1 MB) or a uri. */
    DatasetRequest: {
      /** @enum {string} */
      dataset_format: 'domain' | 'instruction';
      /** @example train.jsonl */
      filename?: string;
      /** @description The file's text (pasted or read in the browser). What is wrong in it is the preflight's answer (a 200 report); POST /datasets refuses data with errors (400 DatasetHasErrors, listing them). */
      content?: string;
      /** @description upload://<id>/<file> from POST /datasets/uploads, or s3://bucket/key-or-prefix (SageMaker mode). */
      uri?: string;
      /** @description Instruction format only. Only {instruction}, {context} and {response} are replaced, in one pass; braces in the data are never interpreted. {instruction} and {response} are required and {response} must be the last placeholder. Default - the JumpStart Neuron notebook's Dolly template. */
      template?: string | null;
      /** @default 2048 */
      max_input_length?: number | null;
      /**
       * @description Keep the last N valid records out of the training file (their prompts come back in heldout_prompts).
       * @default 0
       */
      holdout?: number;
    } & (unknown | unknown);
    PreflightError: {
      /** @description 1-based line number; null for file-level problems. */
      line: number | null;
      byte_offset: number | null;
      /**
       * @example InvalidJSON
       * @example NotAnObject
       * @example MissingField
       * @example WrongType
       * @example EmptyText
       * @example WrongEncoding
       * @example LineTooLong
       * @example ExtensionMismatch
       * @example MoreThanOneFile
       * @example NoFile
       * @example NoRecords
       */
      code: string;
      message: string;
      hint: string;
    };
    HistogramBin: {
      min: number;
      /** @description null for the open-ended bin above max_input_length. */
      max: number | null;
      count: number;
      truncated: boolean;
    };
    HeldoutPrompt: {
      line: number;
      /** @description The record rendered up to the response (a completion prompt). */
      prompt: string;
      /** @description The record's response (domain data - the text that follows). */
      reference: string;
    };
    PreflightReport: {
      /** @description No errors and at least one record. */
      ok: boolean;
      /** @enum {string} */
      dataset_format: 'domain' | 'instruction';
      template: string | null;
      lines: number;
      /** @description Valid records. */
      records: number;
      train_records: number;
      holdout: number;
      skipped_blank_lines: number;
      /** @description Every error found; at most 200 are listed. */
      error_count: number;
      errors: components['schemas']['PreflightError'][];
      errors_truncated: boolean;
      samples: {
        line: number;
        text: string;
        tokens: number;
      }[];
      /** @enum {string} */
      token_count_method: 'exact' | 'estimate';
      token_count_note: string;
      max_input_length: number;
      token_stats: {
        min: number | null;
        max: number | null;
        mean: number | null;
        p50: number | null;
        p95: number | null;
        total: number;
      };
      histogram: components['schemas']['HistogramBin'][];
      truncated_records: number;
      truncated_share: number;
      heldout_prompts: components['schemas']['HeldoutPrompt'][];
      heldout_suggestion: {
        count: number;
        note: string;
      };
      source: {
        /** @enum {string} */
        kind: 'pasted' | 'upload' | 's3';
        filename?: string;
        uri?: string;
        bytes?: number;
        files?: string[];
      };
    };
    StoredDataset: {
      dataset_id: string;
      /** @description s3://... (SageMaker) or file://... (local) of train.jsonl. */
      uri: string;
      /** @description The folder holding only train.jsonl - the training job's train channel. */
      train_channel_uri: string;
      /** @description Records in train.jsonl. */
      records: number;
      heldout_records: number;
      /** @enum {string} */
      dataset_format: 'domain' | 'instruction';
      bytes: number;
      /** @enum {string} */
      backend: 'sagemaker' | 'local';
      /** @enum {string} */
      token_count_method: 'exact' | 'estimate';
      truncated_share: number;
      heldout_prompts: components['schemas']['HeldoutPrompt'][];
    };
    UploadResult: {
      upload_id: string;
      uri: string;
      bytes: number;
      filename: string;
    };
    StatusTransition: {
      /**
       * @example Starting
       * @example Downloading
       * @example Training
       * @example Uploading
       * @example Completed
       */
      status: string;
      /** Format: date-time */
      start_time: string | null;
      /** Format: date-time */
      end_time: string | null;
      message: string;
    };
    LossPoint: {
      /** @description Optimizer step (local), or the sample's ordinal in SageMaker's per-minute metric. */
      step: number;
      loss: number;
      /** Format: date-time */
      timestamp: string;
    };
    TrainingJob: {
      name: components['schemas']['ResourceName'];
      /** @enum {unknown} */
      status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
      /** @description SageMaker's SecondaryStatus (local mode: Starting, Training, Uploading, ...). */
      secondary_status: string | null;
      status_transitions: components['schemas']['StatusTransition'][];
      failure_reason: string | null;
      model_id: string;
      model_display_name: string;
      /** @description The training instance (in local mode the one it would run on in SageMaker). */
      instance_type: string | null;
      /** @description As SageMaker received them (strings; SageMaker mode includes the JumpStart defaults the SDK filled in). */
      hyperparameters: {
        [key: string]: string;
      };
      dataset_uri: string | null;
      /** Format: date-time */
      created_at: string;
      age_s: number;
      /** Format: date-time */
      started_at?: string | null;
      /** Format: date-time */
      ended_at?: string | null;
      /** @description The training instance's indicative price; null in local mode, where nothing is billed. */
      price_per_hour: components['schemas']['Price'];
      /** @description price_per_hour x billed hours (training start to end; waiting for capacity is free). */
      cost_so_far: number;
      max_runtime_s: number | null;
      loss: components['schemas']['LossPoint'][];
      log_tail: string[];
      /** @description S3 URI of the model artifacts, or the local merged model folder. */
      output_model: string | null;
      /** @description Completed with an output model; deploy with POST /endpoints {model_id, training_job}. */
      can_deploy: boolean;
      /** @enum {unknown} */
      backend: 'local' | 'sagemaker';
      serving_label: string;
      /** @description Local mode only - the last optimizer step and the total. */
      progress?: null | {
        step?: number;
        of?: number | null;
      };
      /** @description Local mode only - what the hyperparameters mean here. settings maps learning_rate, max_steps, per_device_train_batch_size and max_input_length to {value, source ("yours" | "local default"), meaning}; values left at the SageMaker default take local LoRA defaults. ignored maps the other given names to "no local meaning". */
      local_settings?: null | {
        settings: {
          [key: string]: {
            value: number;
            /** @enum {unknown} */
            source: 'yours' | 'local default';
            meaning: string;
          };
        };
        ignored: {
          [key: string]: string;
        };
        method: string;
      };
      /** @description Why the loss curve or log tail is unavailable, if so. */
      monitoring_note?: string | null;
    };
    TrainingJobList: {
      training_jobs: components['schemas']['TrainingJob'][];
    };
    CreateTrainingJob: {
      model_id: string;
      /** @description The uri POST /datasets returned (s3://.../train.jsonl on SageMaker, file://.../train.jsonl locally). */
      dataset_uri: string;
      /** @enum {unknown} */
      dataset_format: 'domain' | 'instruction';
      /** @description The instruction template the data was rendered with (local mode masks the prompt before {response}). */
      template?: string | null;
      /** @description Names from the model card's training.hyperparameters; numbers or strings, within their ranges. */
      hyperparameters?: {
        [key: string]: string | number;
      };
      /** @description One of the model's training instance types; default the card's training.default_instance_type. */
      instance_type?: string | null;
      /** @description Default <model>-ft-<yyyymmdd-hhmmss>. */
      job_name?: null | components['schemas']['ResourceName'];
      /** @description Idempotency key; the same token twice starts one job. */
      client_token?: string | null;
      max_runtime_s?: number | null;
    };
    /** @description One variant per step; each lists exactly the fields that step reads. deploy (model_id; deploy, wait, invoke, clean up; with training_job the fine-tuned model), invoke (endpoint_name and model_id), train (model_id and dataset_uri, or training_job to follow a started job; then deploy the fine-tuned model, compare with endpoint_name if given, clean up), compare (endpoints), cleanup (endpoint_name). */
    CreateNotebook:
      | components['schemas']['DeployNotebook']
      | components['schemas']['InvokeNotebook']
      | components['schemas']['TrainNotebook']
      | components['schemas']['CompareNotebook']
      | components['schemas']['CleanupNotebook'];
    /**
     * @description Default (or null) the active backend.
     * @enum {unknown}
     */
    NotebookFlavour: 'sagemaker' | 'local' | null;
    /**
     * @description The SageMaker Python SDK major the sagemaker flavour's code is written for; default the major installed with the Jupyter server (v3 when none is; null means the same).
     * @enum {unknown}
     */
    NotebookSdk: 'v2' | 'v3' | null;
    NotebookModelId: string;
    /** @description A precompiled configuration of model_id; default the model's default configuration. */
    NotebookConfig: null | components['schemas']['DeploymentConfig'];
    /** @description Invocation parameters; default the model's first example prompt's. */
    NotebookParameters: null | components['schemas']['InvocationParameters'];
    /** @description Prompts (user messages for chat models); default the model's first example prompt. */
    NotebookPrompts: string[] | null;
    OptionalResourceName: null | components['schemas']['ResourceName'];
    DeployNotebook: {
      /** @constant */
      step: 'deploy';
      flavour?: components['schemas']['NotebookFlavour'];
      sdk?: components['schemas']['NotebookSdk'];
      model_id: components['schemas']['NotebookModelId'];
      config?: components['schemas']['NotebookConfig'];
      endpoint_name?: components['schemas']['OptionalResourceName'];
      training_job?: components['schemas']['OptionalResourceName'];
      parameters?: components['schemas']['NotebookParameters'];
      prompts?: components['schemas']['NotebookPrompts'];
    };
    InvokeNotebook: {
      /** @constant */
      step: 'invoke';
      flavour?: components['schemas']['NotebookFlavour'];
      sdk?: components['schemas']['NotebookSdk'];
      model_id: components['schemas']['NotebookModelId'];
      config?: components['schemas']['NotebookConfig'];
      endpoint_name: components['schemas']['ResourceName'];
      parameters?: components['schemas']['NotebookParameters'];
      prompts?: components['schemas']['NotebookPrompts'];
    };
    TrainNotebook:
      | {
          /** @constant */
          step: 'train';
          flavour?: components['schemas']['NotebookFlavour'];
          sdk?: components['schemas']['NotebookSdk'];
          model_id: components['schemas']['NotebookModelId'];
          config?: components['schemas']['NotebookConfig'];
          /** @description An endpoint of the base model to compare the fine-tuned one with. */
          endpoint_name?: components['schemas']['OptionalResourceName'];
          /** @description Follow this started job instead of starting one (then dataset_uri is not needed). */
          training_job?: components['schemas']['OptionalResourceName'];
          parameters?: components['schemas']['NotebookParameters'];
          prompts?: components['schemas']['NotebookPrompts'];
          /** @description s3:// (SageMaker) or file:// (local). */
          dataset_uri?: string | null;
          /** @enum {unknown} */
          dataset_format?: 'domain' | 'instruction';
          hyperparameters?: {
            [key: string]: string | number;
          } | null;
          /** @description One of the model's training instances. */
          instance_type?: string | null;
        }
      | unknown
      | unknown;
    CompareNotebook: {
      /** @constant */
      step: 'compare';
      flavour?: components['schemas']['NotebookFlavour'];
      sdk?: components['schemas']['NotebookSdk'];
      model_id?: null | components['schemas']['NotebookModelId'];
      config?: components['schemas']['NotebookConfig'];
      parameters?: components['schemas']['NotebookParameters'];
      prompts?: components['schemas']['NotebookPrompts'];
      /** @description Exactly two. */
      endpoints: {
        name: components['schemas']['ResourceName'];
        model_id: components['schemas']['NotebookModelId'];
      }[];
    };
    CleanupNotebook: {
      /** @constant */
      step: 'cleanup';
      flavour?: components['schemas']['NotebookFlavour'];
      sdk?: components['schemas']['NotebookSdk'];
      model_id?: null | components['schemas']['NotebookModelId'];
      endpoint_name: components['schemas']['ResourceName'];
      parameters?: components['schemas']['NotebookParameters'];
      prompts?: components['schemas']['NotebookPrompts'];
    };
    NotebookCreated: {
      /** @description Relative to the Jupyter root */
      path: string;
    };
    CreateEvaluation: {
      /** @description [base, fine-tuned], or one endpoint; each must be InService. */
      endpoints: components['schemas']['ResourceName'][];
      rows?: {
        prompt: string;
        reference?: string;
        referenceResponse?: string;
      }[];
      /** @description A stored dataset's uri (its held-out rows) or upload://<id>/<file>.jsonl with prompt + reference. */
      dataset_uri?: string;
      parameters?: components['schemas']['InvocationParameters'];
      metrics?: ('exact_match' | 'token_f1' | 'rouge_l')[];
      training_job?: components['schemas']['ResourceName'];
    } & (unknown | unknown);
    MetricInterval: {
      mean: number | null;
      /** @description Bootstrap 95% interval */
      low: number | null;
      /** @description Bootstrap 95% interval */
      high: number | null;
      /** @description Rows scored. */
      n: number;
      /** @description Paired differences only. */
      excludes_zero?: boolean;
    };
    EvaluationAnswer: {
      endpoint: string;
      text: string | null;
      /** @description Why this row got no answer (the row is left out of the scores). */
      error: string | null;
      scores: {
        [key: string]: number;
      } | null;
      latency_s: number | null;
      tokens_out: number | null;
      finish_reason: string | null;
    };
    EvaluationRow: {
      index: number;
      prompt: string;
      reference: string;
      answers: components['schemas']['EvaluationAnswer'][];
      /** @description Per metric, the second endpoint's score minus the first's. */
      difference: {
        [key: string]: number;
      } | null;
    };
    EvaluationOverview: {
      id: string;
      /** @enum {string} */
      status: 'running' | 'completed' | 'stopped' | 'failed';
      /** @description Why it stopped or failed. */
      reason: string | null;
      /** Format: date-time */
      created_at: string;
      /** Format: date-time */
      finished_at: string | null;
      user?: string;
      training_job: string | null;
      endpoints: {
        name: string;
        model_id: string;
        model_display_name?: string;
        training_job?: string | null;
        backend?: string;
      }[];
      parameters: Record<string, unknown>;
      metrics: ('exact_match' | 'token_f1' | 'rouge_l')[];
      seed?: number;
      source: {
        /** @enum {string} */
        kind: 'rows' | 'heldout' | 'upload';
        uri: string | null;
        count: number;
      };
      progress: {
        done: number;
        total: number;
      };
      /** @description Rows with a failed answer. */
      errors: number;
      scored_rows?: number;
      /** @description Per endpoint name, per metric. */
      summary: {
        [key: string]: {
          [key: string]: components['schemas']['MetricInterval'];
        };
      } | null;
      /** @description Per metric, second endpoint minus first, paired bootstrap. */
      differences: {
        [key: string]: components['schemas']['MetricInterval'];
      } | null;
      wins: {
        metric: string;
        endpoint: string;
        against: string;
        wins: number;
        ties: number;
        losses: number;
      } | null;
      latency: {
        [key: string]: {
          answers?: number;
          mean_latency_s?: number | null;
          mean_tokens_out?: number | null;
          total_tokens_out?: number;
        };
      } | null;
    };
    Evaluation: components['schemas']['EvaluationOverview'] & {
      rows: components['schemas']['EvaluationRow'][];
    };
    EvaluationList: {
      evaluations: components['schemas']['EvaluationOverview'][];
    };
    EvaluationDeleted: {
      id: string;
      /** @constant */
      deleted: true;
    };
    /** @enum {string} */
    StorageKind: 'model' | 'dataset' | 'training_output' | 'upload' | 'heldout';
    StorageItem: {
      kind: components['schemas']['StorageKind'];
      /** @description The dataset id */
      id: string;
      label: string;
      /** @description Where it is on this machine. */
      path: string;
      bytes: number;
      /** Format: date-time */
      modified_at: string | null;
      /** @description Endpoints and training jobs using it; Delete is refused (409) while not empty. */
      in_use_by: string[];
      /** @description False for the converted model (the server keeps it). */
      deletable: boolean;
    };
    LocalStorage: {
      /** @enum {string} */
      backend: 'sagemaker' | 'local';
      data_dir: string;
      total_bytes: number;
      items: components['schemas']['StorageItem'][];
    };
  };
  responses: {
    /** @description Invalid input; the message says what is allowed. */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Not authenticated, licence not accepted (EulaNotAccepted), or not allowed on this server. */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such model or endpoint. */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Over a limit that frees up by itself - the local worker's queue is full (EndpointBusy) or AWS throttles (Throttled); retry after Retry-After seconds. */
    TooManyRequests: {
      headers: {
        'Retry-After': number;
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Name taken, client_token reused for another request, or endpoint not InService. */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The backend or AWS cannot be reached. */
    Unavailable: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Pasted content over 1 MB, or an upload over max_upload_mb; the message says what to do instead. */
    PayloadTooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: {
    /** @example meta-textgenerationneuron-llama-2-7b */
    ModelId: string;
    EndpointName: components['schemas']['ResourceName'];
    TrainingJobName: components['schemas']['ResourceName'];
    EvaluationId: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
};
export type $defs = Record<string, never>;
export interface operations {
  getStatus: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The server's status. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Status'];
        };
      };
      403: components['responses']['Forbidden'];
      503: components['responses']['Unavailable'];
    };
  };
  listModels: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every catalog model, with this server's licence records and allow-list applied. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ModelList'];
        };
      };
      403: components['responses']['Forbidden'];
    };
  };
  getModelCard: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @example meta-textgenerationneuron-llama-2-7b */
        model_id: components['parameters']['ModelId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The model card. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ModelCard'];
        };
      };
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  acceptEula: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @example meta-textgenerationneuron-llama-2-7b */
        model_id: components['parameters']['ModelId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['EulaAccept'];
      };
    };
    responses: {
      /** @description The acceptance record. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EulaRecord'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  listEndpoints: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The endpoints, newest first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EndpointList'];
        };
      };
      403: components['responses']['Forbidden'];
      503: components['responses']['Unavailable'];
    };
  };
  createEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateEndpoint'];
      };
    };
    responses: {
      /** @description Creation started (or the endpoint created earlier with the same client_token). */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Endpoint'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['Unavailable'];
      /** @description The data dir's disk has no room for the local model conversion (local mode); free space, then deploy again. */
      507: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  describeEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The endpoint. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Endpoint'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  deleteEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeleteResult'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  invokeEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['InvocationRequest'];
      };
    };
    responses: {
      /** @description The generated text (JSON), or the events of the streamed answer. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['InvocationResult'];
          'text/event-stream': string;
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      429: components['responses']['TooManyRequests'];
      503: components['responses']['Unavailable'];
    };
  };
  restartEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Restarting (status Creating); poll the endpoint until it is InService or Failed. */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Endpoint'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['Unavailable'];
    };
  };
  setEndpointAutoDelete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AutoDeleteRequest'];
      };
    };
    responses: {
      /** @description The endpoint with its new setting. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Endpoint'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      503: components['responses']['Unavailable'];
    };
  };
  keepEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['EndpointName'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['KeepRequest'];
      };
    };
    responses: {
      /** @description The endpoint with its new keep_until and deletes_at. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Endpoint'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      503: components['responses']['Unavailable'];
    };
  };
  renderSageMakerPayload: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['InvocationRequest'];
      };
    };
    responses: {
      /** @description The body SageMaker would receive. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SageMakerPayload'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
    };
  };
  getCostGuard: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The cost guard's state. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CostGuard'];
        };
      };
      403: components['responses']['Forbidden'];
      503: components['responses']['Unavailable'];
    };
  };
  uploadDataset: {
    parameters: {
      query: {
        /** @description The file's name (letters, digits, spaces and . _ - ( ) +; not starting with a dot). */
        filename: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/octet-stream': string;
      };
    };
    responses: {
      /** @description The upload is complete. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['UploadResult'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
      /** @description The server's disk is full (or over quota); nothing was kept, free space and upload again. */
      507: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  preflightDataset: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DatasetRequest'];
      };
    };
    responses: {
      /** @description The preflight report. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PreflightReport'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      413: components['responses']['PayloadTooLarge'];
      503: components['responses']['Unavailable'];
    };
  };
  storeDataset: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DatasetRequest'];
      };
    };
    responses: {
      /** @description The stored dataset. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StoredDataset'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      413: components['responses']['PayloadTooLarge'];
      503: components['responses']['Unavailable'];
    };
  };
  listTrainingJobs: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The training jobs. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TrainingJobList'];
        };
      };
      403: components['responses']['Forbidden'];
      503: components['responses']['Unavailable'];
    };
  };
  createTrainingJob: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateTrainingJob'];
      };
    };
    responses: {
      /** @description Training started (or the job started earlier with the same client_token). */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TrainingJob'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['Unavailable'];
    };
  };
  describeTrainingJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['TrainingJobName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The training job. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TrainingJob'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  stopTrainingJob: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        name: components['parameters']['TrainingJobName'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The job, now Stopping (or already Stopped). */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TrainingJob'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  createNotebook: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateNotebook'];
      };
    };
    responses: {
      /** @description The notebook was written. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NotebookCreated'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      503: components['responses']['Unavailable'];
    };
  };
  listEvaluations: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The evaluations. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EvaluationList'];
        };
      };
      403: components['responses']['Forbidden'];
    };
  };
  createEvaluation: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateEvaluation'];
      };
    };
    responses: {
      /** @description The evaluation started (status running). */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Evaluation'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['Unavailable'];
    };
  };
  getEvaluation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The evaluation. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Evaluation'];
        };
      };
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  deleteEvaluation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EvaluationDeleted'];
        };
      };
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  stopEvaluation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The evaluation, now stopped. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Evaluation'];
        };
      };
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  exportEvaluation: {
    parameters: {
      query: {
        format: 'markdown' | 'csv' | 'bedrock';
        /** @description bedrock only; one of the evaluation's endpoints (default the last, the fine-tuned one). */
        endpoint?: components['schemas']['ResourceName'];
      };
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The file. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/markdown': string;
          'text/csv': string;
          'application/jsonl': string;
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
  createEvaluationNotebook: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        evaluation_id: components['parameters']['EvaluationId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The notebook was written. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NotebookCreated'];
        };
      };
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      503: components['responses']['Unavailable'];
    };
  };
  listLocalStorage: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The items and their total. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LocalStorage'];
        };
      };
      403: components['responses']['Forbidden'];
      503: components['responses']['Unavailable'];
    };
  };
  deleteLocalStorage: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        kind: components['schemas']['StorageKind'];
        item_id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted; the listing as it is now. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LocalStorage'];
        };
      };
      400: components['responses']['BadRequest'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
    };
  };
}
