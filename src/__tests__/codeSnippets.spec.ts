import {
  boto3Snippet,
  buildCodeSnippets,
  sagemakerPayload,
  sagemakerSdkSnippet,
  toPythonLiteral
} from '../models/codeSnippets';

const PAYLOAD = {
  inputs: 'Say "hi"\nthen stop',
  parameters: {
    max_new_tokens: 64,
    do_sample: true,
    temperature: 0.6,
    stop: ['###'],
    return_full_text: false
  }
};

describe('Python literals', () => {
  it('turns JSON into Python (True/False/None, escaped strings)', () => {
    expect(toPythonLiteral(null)).toBe('None');
    expect(toPythonLiteral(true)).toBe('True');
    expect(toPythonLiteral(false)).toBe('False');
    expect(toPythonLiteral(0.6)).toBe('0.6');
    expect(toPythonLiteral('a "b"\n\\')).toBe('"a \\"b\\"\\n\\\\"');
    expect(toPythonLiteral([])).toBe('[]');
    expect(toPythonLiteral({})).toBe('{}');
    expect(toPythonLiteral({ a: [1, 'x'], b: { c: null } })).toBe(
      '{\n    "a": [\n        1,\n        "x",\n    ],\n    "b": {\n        "c": None,\n    },\n}'
    );
  });
});

describe('copy as code', () => {
  it('builds a boto3 invoke_endpoint call with the EULA attribute', () => {
    const code = boto3Snippet('my-endpoint', PAYLOAD, 'us-east-1');
    expect(code).toContain(
      'runtime = boto3.client("sagemaker-runtime", region_name="us-east-1")'
    );
    expect(code).toContain('EndpointName="my-endpoint",');
    expect(code).toContain('ContentType="application/json",');
    expect(code).toContain('CustomAttributes="accept_eula=true",');
    expect(code).toContain('Body=json.dumps(payload),');
    expect(code).toContain('"inputs": "Say \\"hi\\"\\nthen stop",');
    expect(code).toContain('"do_sample": True,');
    expect(code).toContain('"return_full_text": False,');
    expect(code).toContain('"stop": [\n            "###",\n        ],');
    expect(boto3Snippet('e', PAYLOAD)).toContain(
      'runtime = boto3.client("sagemaker-runtime")'
    );
  });

  it('builds a SageMaker SDK Predictor.predict call with custom_attributes', () => {
    const code = sagemakerSdkSnippet('my-endpoint', PAYLOAD);
    expect(code).toContain('from sagemaker.predictor import Predictor');
    expect(code).toContain('endpoint_name="my-endpoint",');
    expect(code).toContain('serializer=JSONSerializer(),');
    expect(code).toContain(
      'result = predictor.predict(payload, custom_attributes="accept_eula=true")'
    );
    expect(code).toContain('payload = {\n    "inputs":');
  });

  it('uses the answer’s sagemaker_payload when there is one (exactly this request)', async () => {
    const serverPayload = {
      inputs: '<s>[INST] Hi [/INST]',
      parameters: { max_new_tokens: 16 }
    };
    const render = jest.fn();
    const payload = await sagemakerPayload(
      {
        messages: [{ role: 'user', content: 'Hi' }],
        parameters: { max_new_tokens: 16 }
      },
      { sagemaker_payload: serverPayload },
      render
    );
    expect(payload).toBe(serverPayload);
    expect(render).not.toHaveBeenCalled();
    const snippets = buildCodeSnippets({ endpointName: 'chat-ep', payload });
    expect(snippets.payload).toBe(serverPayload);
    expect(snippets.boto3).toContain('"inputs": "<s>[INST] Hi [/INST]",');
    expect(snippets.sagemakerSdk).toContain('endpoint_name="chat-ep"');
  });

  it('asks the server to render a request that has no answer yet (no template in the UI)', async () => {
    const request = {
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        { role: 'user' as const, content: 'Hi' }
      ],
      parameters: {}
    };
    const rendered = {
      inputs: '<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]',
      parameters: {}
    };
    const render = jest.fn(async () => rendered);
    expect(await sagemakerPayload(request, null, render)).toBe(rendered);
    expect(render).toHaveBeenCalledWith(request);
  });
});
