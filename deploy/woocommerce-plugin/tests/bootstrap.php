<?php
/**
 * Just enough of WordPress for the plugin's unit tests, with no WordPress, Composer or network.
 *
 * Each stub mirrors what the real function does with the inputs the plugin gives it (esc_url and
 * sanitize_text_field follow WordPress's steps); side effects (options, notices, hooks, cron
 * events, orders) are recorded in WP_Stub so tests can look at them. HTTP comes from
 * stub-http.php (recorded, for the unit tests) or live-http.php (real, for the live-*.php scripts).
 *
 * @package Balas_WhatsApp
 */

// A notice, warning or deprecation (say, of a newer PHP) fails the test that caused it.
error_reporting( E_ALL );
set_error_handler(
	function ( $severity, $message, $file, $line ) {
		if ( ! ( error_reporting() & $severity ) ) {
			return false; // silenced with @, as live-http.php does for a refused connection
		}
		throw new ErrorException( $message, 0, $severity, $file, $line );
	}
);

define( 'ABSPATH', __DIR__ . '/' );
define( 'BALAS_WHATSAPP_PLUGIN_DIR', dirname( __DIR__ ) . '/balas-whatsapp' );

/**
 * The recorded state of the stubbed WordPress; reset before every test.
 */
final class WP_Stub {
	/** @var array<string, mixed> */
	public static $options = array();
	/** @var array<int, array<string, string>> */
	public static $settings_errors = array();
	/** @var array<string, array<int, mixed>> */
	public static $hooks = array();
	/** @var array<int, array{url: string, args: array}> */
	public static $http_calls = array();
	/** @var string The site's address. */
	public static $home_url = 'https://toko-batik.example';
	/** @var mixed What wp_remote_post answers. */
	public static $http_response = null;
	/** @var string|null The post type of the single post being shown, if any. */
	public static $singular = null;
	/** @var mixed */
	public static $queried_object = null;
	/** @var array<int, string> */
	public static $styles = array();
	/** @var array<int, WC_Order> The orders wc_get_order finds, by id. */
	public static $orders = array();
	/** @var array<int, array{timestamp: int, hook: string, args: array}> */
	public static $cron = array();
	/** @var array<int, array> What woocommerce_register_additional_checkout_field was given. */
	public static $block_fields = array();
	/** @var array<int, string> What the WooCommerce logger was told. */
	public static $logs = array();
	/** @var array<int, string> The translation domains loaded. */
	public static $textdomains = array();

	public static function reset(): void {
		self::$options         = array();
		self::$settings_errors = array();
		self::$hooks           = array();
		self::$http_calls      = array();
		self::$http_response   = array(
			'response' => array( 'code' => 200 ),
			'body'     => '{}',
		);
		self::$singular        = null;
		self::$queried_object  = null;
		self::$styles          = array();
		self::$orders          = array();
		self::$cron            = array();
		self::$block_fields    = array();
		self::$logs            = array();
		self::$textdomains     = array();
	}
}

class WP_Post {
	public $ID;
	public $post_title;
	public $post_type;

	public function __construct( int $id, string $title, string $type = 'product' ) {
		$this->ID         = $id;
		$this->post_title = $title;
		$this->post_type  = $type;
	}
}

class WP_Error {
	/** @var array<string, array<int, string>> */
	public $errors = array();
	/** @var array<string, mixed> */
	public $error_data = array();

	public function __construct( string $code = '', string $message = '' ) {
		if ( '' !== $code ) {
			$this->add( $code, $message );
		}
	}

	public function add( $code, $message, $data = '' ) {
		$this->errors[ $code ][] = $message;
		if ( '' !== $data ) {
			$this->error_data[ $code ] = $data;
		}
	}

	public function get_error_message(): string {
		$first = reset( $this->errors );
		return false === $first ? '' : $first[0];
	}

	public function get_error_messages(): array {
		return array_merge( array(), ...array_values( $this->errors ) );
	}
}

/**
 * A WooCommerce order as far as the plugin uses one: meta, id, number, save.
 */
class WC_Order {
	public $id;
	public $number;
	/** @var array<string, mixed> */
	public $meta = array();
	public $saves = 0;

	public function __construct( int $id, string $number = '' ) {
		$this->id     = $id;
		$this->number = '' === $number ? (string) $id : $number;
	}

	public function get_id() {
		return $this->id;
	}

	public function get_order_number() {
		return $this->number;
	}

	public function get_meta( $key, $single = true ) {
		return $this->meta[ $key ] ?? '';
	}

	public function update_meta_data( $key, $value ) {
		$this->meta[ $key ] = $value;
	}

	public function delete_meta_data( $key ) {
		unset( $this->meta[ $key ] );
	}

	public function save() {
		++$this->saves;
		return $this->id;
	}
}

// WooCommerce.
function wc_get_order( $id ) {
	return WP_Stub::$orders[ $id ] ?? false;
}
function woocommerce_register_additional_checkout_field( $options ) {
	WP_Stub::$block_fields[] = $options;
}
/** The WooCommerce logger, recording what it is told. */
final class WC_Logger_Stub {
	public function warning( $message, $context = array() ) {
		WP_Stub::$logs[] = $message;
	}
}
function wc_get_logger() {
	return new WC_Logger_Stub();
}

// WP-Cron: recorded, never run.
function wp_schedule_single_event( $timestamp, $hook, $args = array() ) {
	WP_Stub::$cron[] = compact( 'timestamp', 'hook', 'args' );
	return true;
}
function wp_unschedule_hook( $hook ) {
	WP_Stub::$cron = array_values(
		array_filter(
			WP_Stub::$cron,
			function ( $event ) use ( $hook ) {
				return $event['hook'] !== $hook;
			}
		)
	);
	return 0;
}
function load_plugin_textdomain( $domain, $deprecated = false, $path = false ) {
	WP_Stub::$textdomains[] = $domain . ' ' . $path;
	return true;
}

// Translation: the text as written.
function __( $text, $domain = 'default' ) {
	return $text;
}
function esc_html__( $text, $domain = 'default' ) {
	return esc_html( $text );
}

// Escaping and sanitising.
function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}
function esc_attr( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}
function esc_url( $url, $protocols = null, $context = 'display' ) {
	$url = str_replace( ' ', '%20', ltrim( (string) $url ) );
	$url = preg_replace( '|[^a-z0-9-~+_.?#=!&;,/:%@$\|*\'()\[\]\x80-\xff]|i', '', $url );
	if ( '' === $url ) {
		return '';
	}
	$url = str_ireplace( array( '%0d', '%0a' ), '', $url );
	$url = str_replace( ';//', '://', $url );
	if ( false === strpos( $url, ':' ) && ! in_array( $url[0], array( '/', '#', '?' ), true ) ) {
		$url = 'http://' . $url;
	}
	if ( 'display' === $context ) {
		$url = str_replace( array( '&', "'" ), array( '&#038;', '&#039;' ), $url );
	}
	$protocols = is_array( $protocols ) ? $protocols : array( 'http', 'https', 'mailto', 'tel' );
	$scheme    = strtolower( (string) strstr( $url, ':', true ) );
	return '/' === $url[0] || in_array( $scheme, $protocols, true ) ? $url : '';
}
function esc_url_raw( $url, $protocols = null ) {
	return esc_url( $url, $protocols, 'db' );
}
function sanitize_text_field( $text ) {
	$text = (string) $text;
	if ( false !== strpos( $text, '<' ) ) {
		$text = preg_replace( '@<(script|style)[^>]*?>.*?</\\1>@si', '', $text );
		$text = strip_tags( $text );
	}
	$text = preg_replace( '/[\r\n\t ]+/', ' ', $text );
	while ( preg_match( '/%[a-f0-9]{2}/i', $text ) ) {
		$text = preg_replace( '/%[a-f0-9]{2}/i', '', $text );
	}
	return trim( $text );
}
function untrailingslashit( $value ) {
	return rtrim( (string) $value, '/\\' );
}
function wp_parse_url( $url, $component = -1 ) {
	return parse_url( $url, $component );
}
function wp_json_encode( $data ) {
	return json_encode( $data );
}
function checked( $checked, $current = true, $display = true ) {
	return (string) $checked === (string) $current ? " checked='checked'" : '';
}
function selected( $selected, $current = true, $display = true ) {
	return (string) $selected === (string) $current ? " selected='selected'" : '';
}

// Options and settings notices.
function get_option( $name, $default_value = false ) {
	return array_key_exists( $name, WP_Stub::$options ) ? WP_Stub::$options[ $name ] : $default_value;
}
function update_option( $name, $value ) {
	WP_Stub::$options[ $name ] = $value;
	return true;
}
function delete_option( $name ) {
	unset( WP_Stub::$options[ $name ] );
	return true;
}
function add_settings_error( $setting, $code, $message, $type = 'error' ) {
	WP_Stub::$settings_errors[] = compact( 'setting', 'code', 'message', 'type' );
}
function get_settings_errors( $setting = '' ) {
	return array_values(
		array_filter(
			WP_Stub::$settings_errors,
			function ( $error ) use ( $setting ) {
				return '' === $setting || $error['setting'] === $setting;
			}
		)
	);
}

// Hooks: recorded, never run.
function add_action( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	WP_Stub::$hooks[ $hook ][] = $callback;
	return true;
}
function add_filter( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	return add_action( $hook, $callback, $priority, $accepted_args );
}

// The site.
function is_admin() {
	return false;
}
function home_url( $path = '' ) {
	return WP_Stub::$home_url . $path;
}
function admin_url( $path = '' ) {
	return 'https://toko-batik.example/wp-admin/' . $path;
}
function plugins_url( $path = '', $plugin = '' ) {
	return 'https://toko-batik.example/wp-content/plugins/balas-whatsapp/' . $path;
}
function plugin_basename( $file ) {
	return 'balas-whatsapp/' . basename( $file );
}
function add_query_arg( $key, $value, $url ) {
	return $url . ( false === strpos( $url, '?' ) ? '?' : '&' ) . rawurlencode( $key ) . '=' . rawurlencode( $value );
}
function wp_enqueue_style( $handle, $src = '', $deps = array(), $ver = false ) {
	WP_Stub::$styles[] = $handle;
}
function is_singular( $post_type = '' ) {
	return null !== WP_Stub::$singular && ( '' === $post_type || WP_Stub::$singular === $post_type );
}
function get_queried_object() {
	return WP_Stub::$queried_object;
}
function get_permalink( $post ) {
	return 'https://toko-batik.example/product/' . $post->ID . '/';
}

// HTTP: wp_remote_post is in stub-http.php (recorded) or live-http.php (real).
function is_wp_error( $thing ) {
	return $thing instanceof WP_Error;
}
function wp_remote_retrieve_response_code( $response ) {
	return is_array( $response ) ? $response['response']['code'] : '';
}
