/**
 * "Copy as code": Python that sends exactly the request the playground sent, to the SageMaker endpoint,
 * with boto3 (`invoke_endpoint`) or the SageMaker Python SDK (`Predictor.predict`).
 *
 * The payload is the server's `sagemaker_payload` (chat already rendered with the Llama 2 template); when
 * an older server does not return it, it is rebuilt from the request.
 */
import {
  IChatMessage,
  IInvocationParameters,
  IInvocationRequest,
  IInvocationResult,
  ISageMakerPayload
} from '../api/types';

const B_INST = '[INST]';
const E_INST = '[/INST]';
const B_SYS = '<<SYS>>\n';
const E_SYS = '\n<</SYS>>\n\n';

/**
 * Meta's Llama 2 chat template (`llama/generation.py`): the system message merged into the first user turn,
 * each exchange `<s>[INST] user [/INST] answer </s>`, the last user turn `<s>[INST] user [/INST]`.
 */
export function renderLlama2Chat(messages: readonly IChatMessage[]): string {
  let dialog = [...messages];
  if (dialog.length > 0 && dialog[0].role === 'system') {
    const system = dialog[0].content;
    const rest = dialog.slice(1);
    if (rest.length > 0) {
      rest[0] = {
        role: rest[0].role,
        content: B_SYS + system + E_SYS + rest[0].content
      };
    }
    dialog = rest;
  }
  let text = '';
  for (let i = 0; i + 1 < dialog.length; i += 2) {
    text += `<s>${B_INST} ${dialog[i].content.trim()} ${E_INST} ${dialog[i + 1].content.trim()} </s>`;
  }
  if (dialog.length % 2 === 1) {
    text += `<s>${B_INST} ${dialog[dialog.length - 1].content.trim()} ${E_INST}`;
  }
  return text;
}

/** The body SageMaker receives for a request: the server's, else rebuilt from the request. */
export function sagemakerPayload(
  request: IInvocationRequest,
  result?: Pick<IInvocationResult, 'sagemaker_payload'> | null
): ISageMakerPayload {
  if (result?.sagemaker_payload) {
    return result.sagemaker_payload;
  }
  const parameters: IInvocationParameters = { ...request.parameters };
  if ('messages' in request) {
    return { inputs: renderLlama2Chat(request.messages), parameters };
  }
  return { inputs: request.inputs, parameters };
}

/** A Python string literal (double-quoted; JSON's escapes are all valid Python escapes). */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/** A JSON value as a Python literal (True/False/None), indented like black would. */
export function toPythonLiteral(value: unknown, indent = 0): string {
  const pad = '    '.repeat(indent + 1);
  const end = '    '.repeat(indent);
  if (value === null || value === undefined) {
    return 'None';
  }
  if (value === true) {
    return 'True';
  }
  if (value === false) {
    return 'False';
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(value) : 'None';
  }
  if (typeof value === 'string') {
    return pythonString(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return '[]';
    }
    const items = value.map(
      item => `${pad}${toPythonLiteral(item, indent + 1)},`
    );
    return `[\n${items.join('\n')}\n${end}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, item]) => item !== undefined
    );
    if (entries.length === 0) {
      return '{}';
    }
    const items = entries.map(
      ([key, item]) =>
        `${pad}${pythonString(key)}: ${toPythonLiteral(item, indent + 1)},`
    );
    return `{\n${items.join('\n')}\n${end}}`;
  }
  return 'None';
}

/** boto3 `sagemaker-runtime` `invoke_endpoint` for exactly this payload. */
export function boto3Snippet(
  endpointName: string,
  payload: ISageMakerPayload,
  region?: string | null
): string {
  const client = region
    ? `runtime = boto3.client("sagemaker-runtime", region_name=${pythonString(region)})`
    : 'runtime = boto3.client("sagemaker-runtime")';
  return [
    'import json',
    '',
    'import boto3',
    '',
    client,
    `payload = ${toPythonLiteral(payload)}`,
    'response = runtime.invoke_endpoint(',
    `    EndpointName=${pythonString(endpointName)},`,
    '    ContentType="application/json",',
    '    Accept="application/json",',
    '    CustomAttributes="accept_eula=true",',
    '    Body=json.dumps(payload),',
    ')',
    'result = json.loads(response["Body"].read())',
    'print(result["generated_text"])',
    ''
  ].join('\n');
}

/** SageMaker Python SDK `Predictor(...).predict(payload, custom_attributes="accept_eula=true")`. */
export function sagemakerSdkSnippet(
  endpointName: string,
  payload: ISageMakerPayload
): string {
  return [
    'from sagemaker.deserializers import JSONDeserializer',
    'from sagemaker.predictor import Predictor',
    'from sagemaker.serializers import JSONSerializer',
    '',
    'predictor = Predictor(',
    `    endpoint_name=${pythonString(endpointName)},`,
    '    serializer=JSONSerializer(),',
    '    deserializer=JSONDeserializer(),',
    ')',
    `payload = ${toPythonLiteral(payload)}`,
    'result = predictor.predict(payload, custom_attributes="accept_eula=true")',
    'print(result["generated_text"])',
    ''
  ].join('\n');
}

export interface ICodeSnippets {
  payload: ISageMakerPayload;
  boto3: string;
  sagemakerSdk: string;
}

/** Both snippets for one request and its answer. */
export function buildCodeSnippets(options: {
  endpointName: string;
  request: IInvocationRequest;
  result?: Pick<IInvocationResult, 'sagemaker_payload'> | null;
  region?: string | null;
}): ICodeSnippets {
  const payload = sagemakerPayload(options.request, options.result);
  return {
    payload,
    boto3: boto3Snippet(options.endpointName, payload, options.region),
    sagemakerSdk: sagemakerSdkSnippet(options.endpointName, payload)
  };
}
